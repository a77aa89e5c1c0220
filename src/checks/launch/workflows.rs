//! GitHub workflows (filled in by the workflows slice).

use super::{Examples, Sink};
use crate::checks::Check;

pub const CHECKS: [Check; 0] = [];

pub const EXAMPLES: &[Examples] = &[];

pub fn workflow(_text: &str, _sink: &mut Sink<'_>) {}
