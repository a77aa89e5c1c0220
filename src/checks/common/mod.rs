//! The vocabulary the checks share, decided once: what a host is ([`hosts`]), what a variable
//! name says ([`names`]), which folders hold other people's code ([`folders`]), and which files
//! are tests, examples, docs or translations ([`path_class`]). Each file
//! pins its decisions in a table test with the reason next to every case where the env and
//! bundle checks used to disagree.

pub mod folders;
pub mod hosts;
pub mod names;
pub mod path_class;
