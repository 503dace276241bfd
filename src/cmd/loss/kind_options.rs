//! `loss`'s options that come from the registry of kinds
//! ([`crate::loss::Kind`]): `--kind`'s values, their aliases and help,
//! each kind's parameter options (`--alpha`, `--gamma-neg`, …) with their
//! defaults, and which kinds an option applies to. Nothing here names a
//! kind: a kind registered in `loss/mod.rs` appears on the command line.

use std::sync::OnceLock;

use clap::builder::{PossibleValue, PossibleValuesParser};
use clap::{Arg, ArgAction, ArgMatches, Command, ValueEnum};

use crate::error::{InputError, UsageError};
use crate::loss::{Given, Kind, ValueType};

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
                .typed_params()
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
    /// How its value is parsed, the same for every kind that takes it.
    value_type: ValueType,
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
        for (param, slot) in kind.typed_params() {
            let default = match slot.default_text() {
                Some(default) => format!("default: {default}"),
                None => "required".to_owned(),
            };
            let help = format!("{kind_name}: {} [{default}]", param.help);
            let value_type = slot.value_type();
            match options.iter_mut().find(|o| o.name == param.name) {
                Some(option) => {
                    option.help = format!("{}; {help}", option.help);
                    option.owners.push(kind_name);
                    // A shared option of names takes every kind's names.
                    if let (ValueType::Name(mine), ValueType::Name(theirs)) =
                        (option.value_type, value_type)
                    {
                        option.value_type = ValueType::Name(if mine.len() >= theirs.len() {
                            mine
                        } else {
                            theirs
                        });
                    }
                }
                None => options.push(ParamOption {
                    name: param.name,
                    value_name: param.value_name,
                    value_type,
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
    given: Vec<(&'static str, Given)>,
    /// Options whose text is read later (`--class-counts`: a list or a
    /// FILE).
    texts: Vec<(&'static str, String)>,
}

impl KindParams {
    /// `kind` with the given parameters instead of its defaults; the texts
    /// (`--class-counts`) are read by `read_counts(option, text)`.
    pub(super) fn apply(
        &self,
        mut kind: Kind,
        read_counts: impl Fn(&str, &str) -> anyhow::Result<Vec<u64>>,
    ) -> anyhow::Result<Kind> {
        let mut given = self.given.clone();
        for (name, text) in &self.texts {
            given.push((name, Given::Counts(read_counts(name, text)?)));
        }
        let kind_name = kind.name();
        for (param, slot) in kind.typed_params() {
            if let Some((_, value)) = given.iter().find(|(name, _)| *name == param.name)
                && !slot.set(value)
            {
                return Err(UsageError::new(
                    "loss",
                    format!(
                        "--{} {value:?} does not apply to --kind {kind_name}",
                        param.name
                    ),
                )
                .into());
            }
        }
        Ok(kind)
    }

    /// The first option given that `kind` does not take, as an error.
    pub(super) fn check_owners(&self, kind: &Kind) -> Result<(), String> {
        for option in param_options() {
            let given = self.given.iter().map(|(name, _)| name);
            let given = given.chain(self.texts.iter().map(|(name, _)| name));
            if given.clone().any(|name| *name == option.name)
                && !option.owners.contains(&kind.name())
            {
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

/// The first parameter `kind` needs that was not given, as an error
/// (`loss --kind splc needs --epoch E (…)`).
pub(super) fn check_required(kind: &mut Kind) -> Result<(), UsageError> {
    let kind_name = kind.name();
    for (param, slot) in kind.typed_params() {
        if let Some(needs) = slot.missing() {
            let (name, value) = (param.name, param.value_name);
            return Err(UsageError::missing(
                "loss",
                format!("loss --kind {kind_name} needs --{name} {value} ({needs})"),
            ));
        }
    }
    Ok(())
}

/// Per-class counts of `kind` that are not one per class of the `cols`
/// columns of LOGITS (`logits_file`), as an error on LOGITS naming the
/// option.
pub(super) fn check_class_counts(
    kind: &mut Kind,
    cols: usize,
    logits_file: &str,
) -> Result<(), InputError> {
    for (param, slot) in kind.typed_params() {
        if let Some(counts) = slot.class_counts().filter(|c| c.len() != cols) {
            let what = format!(
                "{cols} classes, but --{} gives {} counts (give one count per class)",
                param.name,
                counts.len()
            );
            return Err(InputError::new(logits_file, what));
        }
    }
    Ok(())
}

impl clap::FromArgMatches for KindParams {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut params = KindParams::default();
        for option in param_options() {
            let name = option.name;
            let given = match option.value_type {
                ValueType::Number => matches.get_one::<f64>(name).map(|&v| Given::Number(v)),
                ValueType::Count => matches.get_one::<u64>(name).map(|&v| Given::Count(v)),
                ValueType::Name(_) => matches.get_one::<String>(name).cloned().map(Given::Name),
                ValueType::Text => {
                    if let Some(text) = matches.get_one::<String>(name) {
                        params.texts.push((name, text.clone()));
                    }
                    None
                }
            };
            params.given.extend(given.map(|g| (name, g)));
        }
        Ok(params)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl clap::Args for KindParams {
    fn augment_args(cmd: Command) -> Command {
        param_options().into_iter().fold(cmd, |cmd, option| {
            let arg = Arg::new(option.name)
                .long(option.name)
                .value_name(option.value_name)
                .help(option.help)
                .action(ArgAction::Set);
            cmd.arg(match option.value_type {
                ValueType::Number => arg
                    .value_parser(clap::value_parser!(f64))
                    .allow_hyphen_values(true),
                ValueType::Count => arg
                    .value_parser(clap::value_parser!(u64))
                    .allow_hyphen_values(true),
                ValueType::Name(names) => arg.value_parser(PossibleValuesParser::new(names)),
                ValueType::Text => arg.value_parser(clap::value_parser!(String)),
            })
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
        // Kinds that share an option parse its value alike.
        for mut kind in Kind::all() {
            for (param, slot) in kind.typed_params() {
                let option = options.iter().find(|o| o.name == param.name).unwrap();
                let same = match (option.value_type, slot.value_type()) {
                    (ValueType::Name(all), ValueType::Name(mine)) => {
                        mine.iter().all(|n| all.contains(n))
                    }
                    (a, b) => a == b,
                };
                assert!(same, "--{} of {}", param.name, kind.name());
            }
        }
    }
}
