//! (placeholder module, replaced as the parser is written)
