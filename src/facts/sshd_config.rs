//! (placeholder module, replaced as the stage is written)
