//! The walk through a ruleset: base chains in the order the kernel runs them, rules in
//! order, jumps and gotos into user chains, returns, policies. Every firewall flavour is
//! first translated into this graph, so the semantics of "first match wins, accept ends the
//! chain, drop ends everything" live in one place. An unknown test splits the walk: one
//! branch assumes it holds, the other that it does not, each remembering the assumption.

use serde::Serialize;

use super::{Decision, Step, Test};

/// What a rule does when its test holds.
#[derive(Clone, Debug)]
pub(super) enum Effect {
    /// Nothing that ends the walk (log, count, mark): the next rule is tried.
    Continue,
    /// Accepted by this base chain; the next base chain (another table, a later hook
    /// priority) still sees the packet.
    Accept,
    /// The walk ends here with this decision.
    Final(Decision),
    /// Back to the calling chain (at a base chain: its policy).
    Return,
    /// Into chain `n` of the graph, coming back on return.
    Jump(usize),
    /// Into chain `n`; its return goes back to this chain's caller.
    Goto(usize),
}

#[derive(Clone, Debug)]
pub(super) struct Rule {
    pub step: Step,
    pub test: Test,
    pub effect: Effect,
}

#[derive(Clone, Debug)]
pub(super) struct Chain {
    /// The line that declares the chain (shown in the path when the walk enters it).
    pub header: Option<Step>,
    /// What happens when the walk falls off the end of a base chain; `None` continues with
    /// the next base chain.
    pub policy: Option<(Decision, Step)>,
    pub rules: Vec<Rule>,
}

/// A translated ruleset: its chains, and the base chains a packet meets, in order.
#[derive(Clone, Debug, Default)]
pub(super) struct Graph {
    pub chains: Vec<Chain>,
    pub entries: Vec<usize>,
}

/// One way the walk ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub decision: Decision,
    /// The rule or policy that decided (for an accept, the last one that accepted).
    pub decided_by: Option<Step>,
    /// Chains entered and jumps taken, in order.
    pub path: Vec<Step>,
    /// What this outcome assumes about things the bundle does not tell.
    pub conditions: Vec<Step>,
}

/// More branches than this and the walk stops splitting (and says so).
const MAX_BRANCHES: usize = 64;
/// Deeper jump nesting than this is a loop the kernel would refuse to load.
const MAX_DEPTH: usize = 32;

#[derive(Clone, Debug, Default)]
struct Trail {
    path: Vec<Step>,
    conditions: Vec<Step>,
    accepted_by: Option<Step>,
}

enum Flow {
    FellOff,
    Return,
    Accepted(Step),
    Final(Decision, Step),
}

/// Walks `graph` and returns every outcome, and whether some branch was cut short.
pub(super) fn walk(graph: &Graph) -> (Vec<Outcome>, bool) {
    let mut walker = Walker {
        graph,
        branches: 0,
        incomplete: false,
    };
    let mut outcomes = Vec::new();
    let mut trails = vec![Trail::default()];
    for &entry in &graph.entries {
        let chain = &graph.chains[entry];
        let mut next = Vec::new();
        for mut trail in trails {
            if let Some(h) = &chain.header {
                trail.path.push(h.clone());
            }
            for (flow, mut t) in walker.chain(entry, 0, trail, 0) {
                match flow {
                    Flow::Final(decision, step) => outcomes.push(end(decision, step, t)),
                    Flow::Accepted(step) => {
                        t.accepted_by = Some(step);
                        next.push(t);
                    }
                    Flow::FellOff | Flow::Return => match &chain.policy {
                        Some((Decision::Accept, step)) => {
                            t.accepted_by = Some(step.clone());
                            next.push(t);
                        }
                        Some((decision, step)) => outcomes.push(end(*decision, step.clone(), t)),
                        None => next.push(t),
                    },
                }
            }
        }
        trails = next;
    }
    for t in trails {
        let by = t.accepted_by.clone();
        outcomes.push(Outcome {
            decision: Decision::Accept,
            decided_by: by,
            path: t.path,
            conditions: t.conditions,
        });
    }
    // The plain reading first: the outcome that assumes the fewest unknowns hold.
    outcomes.sort_by_key(|o| {
        o.conditions
            .iter()
            .filter(|c| c.note.starts_with("if "))
            .count()
    });
    (outcomes, walker.incomplete)
}

fn end(decision: Decision, step: Step, t: Trail) -> Outcome {
    Outcome {
        decision,
        decided_by: Some(step),
        path: t.path,
        conditions: t.conditions,
    }
}

struct Walker<'g> {
    graph: &'g Graph,
    branches: usize,
    incomplete: bool,
}

impl Walker<'_> {
    /// Runs chain `ci` from rule `start`; every way it can end, each with its trail.
    fn chain(&mut self, ci: usize, start: usize, trail: Trail, depth: usize) -> Vec<(Flow, Trail)> {
        let mut out = Vec::new();
        if depth > MAX_DEPTH {
            self.incomplete = true;
            out.push((Flow::Return, trail));
            return out;
        }
        let rules = &self.graph.chains[ci].rules;
        let mut trail = trail;
        let mut i = start;
        loop {
            let Some(rule) = rules.get(i) else {
                out.push((Flow::FellOff, trail));
                return out;
            };
            i += 1;
            // A rule that changes nothing about the walk need not split it.
            if matches!(rule.effect, Effect::Continue) {
                continue;
            }
            let taken = match &rule.test {
                Test::No => continue,
                Test::Yes => trail,
                Test::Unknown(reason) => {
                    if self.branches >= MAX_BRANCHES {
                        self.incomplete = true;
                        trail
                            .conditions
                            .push(rule.step.with_note(format!("not followed: if {reason}")));
                        continue;
                    }
                    self.branches += 1;
                    let mut taken = trail.clone();
                    taken
                        .conditions
                        .push(rule.step.with_note(format!("if {reason}")));
                    trail
                        .conditions
                        .push(rule.step.with_note(format!("unless {reason}")));
                    for (flow, t) in self.apply(rule, taken, depth) {
                        match flow {
                            Some(flow) => out.push((flow, t)),
                            None => out.extend(self.chain(ci, i, t, depth)),
                        }
                    }
                    continue;
                }
            };
            let mut continuing = Vec::new();
            for (flow, t) in self.apply(rule, taken, depth) {
                match flow {
                    Some(flow) => out.push((flow, t)),
                    None => continuing.push(t),
                }
            }
            let Some(first) = continuing.pop() else {
                return out;
            };
            for t in continuing {
                out.extend(self.chain(ci, i, t, depth));
            }
            trail = first;
        }
    }

    /// What a matching rule does; `None` flows continue with the next rule of the chain.
    fn apply(&mut self, rule: &Rule, mut trail: Trail, depth: usize) -> Vec<(Option<Flow>, Trail)> {
        match &rule.effect {
            Effect::Continue => vec![(None, trail)],
            Effect::Accept => vec![(Some(Flow::Accepted(rule.step.clone())), trail)],
            Effect::Final(d) => vec![(Some(Flow::Final(*d, rule.step.clone())), trail)],
            Effect::Return => vec![(Some(Flow::Return), trail)],
            Effect::Jump(target) | Effect::Goto(target) => {
                let goto = matches!(rule.effect, Effect::Goto(_));
                // The path is the chain nesting at the decision: a chain that returns
                // without deciding leaves it again.
                let depth_before = trail.path.len();
                trail.path.push(rule.step.clone());
                self.chain(*target, 0, trail, depth + 1)
                    .into_iter()
                    .map(|(flow, mut t)| match flow {
                        Flow::Return | Flow::FellOff => {
                            t.path.truncate(depth_before);
                            (goto.then_some(Flow::Return), t)
                        }
                        other => (Some(other), t),
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Location;

    fn step(line: usize) -> Step {
        Step::new(Location::new("rules", line), format!("line {line}"), "")
    }

    fn rule(line: usize, test: Test, effect: Effect) -> Rule {
        Rule {
            step: step(line),
            test,
            effect,
        }
    }

    fn base(rules: Vec<Rule>, policy: Decision) -> Chain {
        Chain {
            header: Some(step(1)),
            policy: Some((policy, step(1))),
            rules,
        }
    }

    fn user(rules: Vec<Rule>) -> Chain {
        Chain {
            header: None,
            policy: None,
            rules,
        }
    }

    #[test]
    fn first_matching_rule_decides_and_policy_catches_the_rest() {
        let g = Graph {
            chains: vec![base(
                vec![
                    rule(2, Test::No, Effect::Accept),
                    rule(3, Test::Yes, Effect::Continue),
                    rule(4, Test::Yes, Effect::Final(Decision::Reject)),
                ],
                Decision::Drop,
            )],
            entries: vec![0],
        };
        let (o, incomplete) = walk(&g);
        assert!(!incomplete);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].decision, Decision::Reject);
        assert_eq!(o[0].decided_by.as_ref().unwrap().line, 4);

        let g = Graph {
            chains: vec![base(
                vec![rule(2, Test::No, Effect::Accept)],
                Decision::Drop,
            )],
            entries: vec![0],
        };
        let (o, _) = walk(&g);
        assert_eq!(o[0].decision, Decision::Drop);
        assert_eq!(o[0].decided_by.as_ref().unwrap().line, 1);
    }

    #[test]
    fn jumps_return_and_gotos_return_to_the_caller() {
        // INPUT: jump f2b (which returns), then accept. A goto whose chain returns skips
        // the rest of INPUT and lands on the policy.
        let jump = Graph {
            chains: vec![
                base(
                    vec![
                        rule(2, Test::Yes, Effect::Jump(1)),
                        rule(3, Test::Yes, Effect::Accept),
                    ],
                    Decision::Drop,
                ),
                user(vec![
                    rule(10, Test::No, Effect::Final(Decision::Reject)),
                    rule(11, Test::Yes, Effect::Return),
                ]),
            ],
            entries: vec![0],
        };
        let (o, _) = walk(&jump);
        assert_eq!(o[0].decision, Decision::Accept);
        assert_eq!(o[0].decided_by.as_ref().unwrap().line, 3);
        // The f2b chain returned: the path is back to INPUT alone.
        assert_eq!(o[0].path.iter().map(|s| s.line).collect::<Vec<_>>(), [1]);

        let mut goto = jump.clone();
        goto.chains[0].rules[0].effect = Effect::Goto(1);
        let (o, _) = walk(&goto);
        assert_eq!(o[0].decision, Decision::Drop);
    }

    #[test]
    fn an_unknown_test_gives_both_outcomes_with_their_conditions() {
        let g = Graph {
            chains: vec![base(
                vec![rule(
                    2,
                    Test::Unknown("the client is in 10.0.0.0/8".into()),
                    Effect::Accept,
                )],
                Decision::Drop,
            )],
            entries: vec![0],
        };
        let (o, _) = walk(&g);
        let decisions: Vec<Decision> = o.iter().map(|o| o.decision).collect();
        assert!(decisions.contains(&Decision::Accept) && decisions.contains(&Decision::Drop));
        let accept = o.iter().find(|o| o.decision == Decision::Accept).unwrap();
        assert_eq!(accept.conditions[0].note, "if the client is in 10.0.0.0/8");
        let drop = o.iter().find(|o| o.decision == Decision::Drop).unwrap();
        assert_eq!(
            drop.conditions[0].note,
            "unless the client is in 10.0.0.0/8"
        );
    }

    #[test]
    fn accept_in_one_table_still_meets_the_next() {
        let g = Graph {
            chains: vec![
                base(vec![rule(2, Test::Yes, Effect::Accept)], Decision::Accept),
                base(vec![], Decision::Drop),
            ],
            entries: vec![0, 1],
        };
        let (o, _) = walk(&g);
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].decision, Decision::Drop);
    }

    #[test]
    fn regression_many_unknown_rules_stop_splitting_instead_of_exploding() {
        let rules = (0..200)
            .map(|n| rule(n + 2, Test::Unknown(format!("u{n}")), Effect::Accept))
            .collect();
        let g = Graph {
            chains: vec![base(rules, Decision::Drop)],
            entries: vec![0],
        };
        let (o, incomplete) = walk(&g);
        assert!(incomplete);
        assert!(o.len() <= MAX_BRANCHES + 1);
    }

    #[test]
    fn a_jump_loop_ends() {
        let g = Graph {
            chains: vec![
                base(vec![rule(2, Test::Yes, Effect::Jump(1))], Decision::Drop),
                user(vec![rule(10, Test::Yes, Effect::Jump(1))]),
            ],
            entries: vec![0],
        };
        let (o, incomplete) = walk(&g);
        assert!(incomplete);
        assert_eq!(o[0].decision, Decision::Drop);
    }
}
