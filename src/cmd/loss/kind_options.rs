//! `loss`'s options that come from the registry of kinds
//! ([`crate::loss::Kind`]): `--kind`'s values, their aliases and help,
//! each kind's parameter options (`--alpha`, `--gamma-neg`, …) with their
//! defaults, and which kinds an option applies to. Nothing here names a
//! kind: a kind registered in `loss/mod.rs` appears on the command line.

use std::sync::OnceLock;

use clap::builder::PossibleValue;
use clap::{Arg, ArgAction, ArgMatches, Command, ValueEnum};

use crate::loss::Kind;

/// The name of the default kind (the first registered), for `--kind`.
pub(super) fn default_kind_name() -> &'static str {
    Kind::all()[0].name()
}

/// `--kind`'s values: each kind's name, aliases and help, the help ending
/// with the aliases and the kind's options (`(--alpha, --gamma)`).
fn kind_values() -> Vec<PossibleValue> {
    Kind::all()
        .into_iter()
        .map(|mut kind| {
            let aliases = kind.aliases();
            let mut notes: Vec<String> = Vec::new();
            if !aliases.is_empty() {
                notes.push(format!("alias: {}", aliases.join(", ")));
            }
            let options: Vec<String> = kind
                .params()
                .iter()
                .map(|(param, _)| format!("--{}", param.name))
                .collect();
            if !options.is_empty() {
                notes.push(options.join(", "));
            }
            let mut help = kind.about().to_owned();
            if !notes.is_empty() {
                help = format!("{help} ({})", notes.join("; "));
            }
            PossibleValue::new(kind.name()).aliases(aliases).help(help)
        })
        .collect()
}

/// `--kind`'s value: a registered kind, by its place in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindChoice(usize);

impl KindChoice {
    /// The kind, with its default parameters.
    pub(super) fn kind(self) -> Kind {
        Kind::all().swap_remove(self.0)
    }
}

impl ValueEnum for KindChoice {
    fn value_variants<'a>() -> &'a [Self] {
        static CHOICES: OnceLock<Vec<KindChoice>> = OnceLock::new();
        CHOICES.get_or_init(|| (0..Kind::all().len()).map(KindChoice).collect())
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        kind_values().into_iter().nth(self.0)
    }
}

/// One parameter option, with every kind that declares it.
struct ParamOption {
    name: &'static str,
    value_name: &'static str,
    /// `kind: what it is [default: D]`, for each kind, joined by `; `.
    help: String,
    /// The kinds that take it, in registration order.
    owners: Vec<&'static str>,
}

/// Every kind's parameter options, in registration order; kinds that
/// declare the same name share one option.
fn param_options() -> Vec<ParamOption> {
    let mut options: Vec<ParamOption> = Vec::new();
    for mut kind in Kind::all() {
        let kind_name = kind.name();
        for (param, default) in kind.params() {
            let help = format!("{kind_name}: {} [default: {default}]", param.help);
            match options.iter_mut().find(|o| o.name == param.name) {
                Some(option) => {
                    option.help = format!("{}; {help}", option.help);
                    option.owners.push(kind_name);
                }
                None => options.push(ParamOption {
                    name: param.name,
                    value_name: param.value_name,
                    help,
                    owners: vec![kind_name],
                }),
            }
        }
    }
    options
}

/// The parameter options given on the command line, by name.
#[derive(Debug, Clone, Default)]
pub struct KindParams {
    given: Vec<(&'static str, f64)>,
}

impl KindParams {
    /// `kind` with the given parameters instead of its defaults.
    pub(super) fn apply(&self, mut kind: Kind) -> Kind {
        for (param, value) in kind.params() {
            if let Some(&(_, given)) = self.given.iter().find(|(name, _)| *name == param.name) {
                *value = given;
            }
        }
        kind
    }

    /// The first option given that `kind` does not take, as an error.
    pub(super) fn check_owners(&self, kind: &Kind) -> Result<(), String> {
        for option in param_options() {
            let given = self.given.iter().any(|(name, _)| *name == option.name);
            if given && !option.owners.contains(&kind.name()) {
                return Err(format!(
                    "--{} applies to --kind {} only, not {}",
                    option.name,
                    and_list(&option.owners),
                    kind.name()
                ));
            }
        }
        Ok(())
    }
}

impl clap::FromArgMatches for KindParams {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let given = param_options()
            .iter()
            .filter_map(|o| matches.get_one::<f64>(o.name).map(|&v| (o.name, v)))
            .collect();
        Ok(KindParams { given })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for KindParams {
    fn augment_args(cmd: Command) -> Command {
        param_options().into_iter().fold(cmd, |cmd, option| {
            cmd.arg(
                Arg::new(option.name)
                    .long(option.name)
                    .value_name(option.value_name)
                    .help(option.help)
                    .action(ArgAction::Set)
                    .value_parser(clap::value_parser!(f64))
                    .allow_hyphen_values(true),
            )
        })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

/// The names of the kinds for which `takes` holds, as a list in words.
pub(super) fn kinds_that(takes: impl Fn(&Kind) -> bool) -> String {
    let names: Vec<&str> = Kind::all()
        .iter()
        .filter(|k| takes(k))
        .map(Kind::name)
        .collect();
    and_list(&names)
}

/// `a`, `a and b`, `a, b and c`.
fn and_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_owned(),
        None => String::new(),
    }
}

/// `--pos-weight`'s help, naming the kinds that take it.
pub(super) fn pos_weight_help() -> String {
    format!(
        "Per-class weights of positive targets p1,…,pC (PyTorch's `pos_weight`; {} only), or \
         `auto`: negatives / positives of each class in TARGETS",
        kinds_that(Kind::takes_pos_weight)
    )
}

/// `--pos-weight-file`'s help, naming the kinds that take it.
pub(super) fn pos_weight_file_help() -> String {
    format!(
        "pos_weight from a file: as --weight-file ({} only)",
        kinds_that(Kind::takes_pos_weight)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_in_words() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b"]), "a and b");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }

    #[test]
    fn every_kind_is_a_value_and_options_are_distinct() {
        assert_eq!(kind_values().len(), Kind::all().len());
        let options = param_options();
        for (i, option) in options.iter().enumerate() {
            assert!(options[..i].iter().all(|o| o.name != option.name));
            assert!(!option.owners.is_empty());
        }
    }
}
