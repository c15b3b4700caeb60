//! The registry of diagnostic codes.
//!
//! Codes are `E` (error) or `W` (warning) and four digits, a block of a hundred per pass. A code is
//! never renumbered and never reused for another meaning; a retired code stays in this list.
//! Tools and CI rely on codes and exit status, never on message wording.

use std::fmt;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The bundle cannot be used as written; `validate` exits 1.
    Error,
    /// Probably a mistake; `validate` exits 1 only with `--deny-warnings`.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

macro_rules! codes {
    ($( #[doc = $doc:literal] $name:ident = $code:literal, $title:literal; )*) => {
        /// Every diagnostic code slaflow can report.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $( #[doc = $doc] $name, )*
        }

        impl Code {
            /// All codes, in numeric order.
            pub const ALL: &'static [Code] = &[ $( Code::$name, )* ];

            /// The code as written in output, e.g. `E0302`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$name => $code, )* }
            }

            /// A short title for the code, used by SARIF rule descriptions and `docs/codes.md`.
            pub fn title(self) -> &'static str {
                match self { $( Code::$name => $title, )* }
            }

            /// What the code means, one sentence (the documentation of `docs/codes.md`).
            pub fn description(self) -> &'static str {
                match self { $( Code::$name => $doc.trim(), )* }
            }

            /// The code's CamelCase name, used as the SARIF rule name.
            pub fn name(self) -> &'static str {
                match self { $( Code::$name => stringify!($name), )* }
            }
        }
    };
}

codes! {
    // E00xx: files and YAML syntax.
    /// The YAML is not well formed.
    YamlSyntax = "E0001", "YAML syntax error";
    /// A mapping has the same key twice.
    DuplicateKey = "E0002", "duplicate key";
    /// A file is too large, too deeply nested or expands to too many nodes.
    LimitExceeded = "E0003", "size or nesting limit exceeded";
    /// A file is not UTF-8 text.
    NotText = "E0004", "file is not UTF-8 text";
    /// A YAML feature slaflow does not accept (custom tags, several documents, complex keys).
    UnsupportedYaml = "E0005", "unsupported YAML feature";

    // E01xx: shape of documents.
    /// A field or section that this kind of document does not have.
    UnknownField = "E0101", "unknown field";
    /// A value of the wrong kind, e.g. a list where a mapping is expected.
    InvalidType = "E0102", "wrong type";
    /// A required field is missing.
    MissingField = "E0103", "missing field";
    /// A value that cannot be read: a bad duration, percentage, time, date or choice.
    InvalidValue = "E0104", "invalid value";
    /// An id with characters ids may not contain.
    InvalidId = "E0105", "invalid id";

    // E02xx: bundle assembly.
    /// The same id is defined twice: in one section across files, or as a step of one process.
    DuplicateId = "E0201", "duplicate id";
    /// `uses` names an entry that does not exist.
    UnknownBase = "E0202", "unknown base entry";
    /// `overrides` names a step the base process does not have.
    UnknownOverride = "E0203", "override of an unknown step";
    /// Entries that `use` each other in a cycle.
    UsesCycle = "E0204", "cycle in `uses`";
    /// A bundle manifest imports a path that does not exist.
    ImportNotFound = "E0205", "import not found";
    /// A bundle manifest imports a path that exists but is not a directory or a YAML file (a device, a pipe, a text file), or is the root of the file system.
    BadImport = "E0206", "import of something that is not rules";

    // E03xx: references between documents.
    /// A calendar id that is not defined.
    UnknownCalendar = "E0301", "unknown calendar";
    /// A role id that is not defined.
    UnknownRole = "E0302", "unknown role";
    /// A step or procedure id the process does not have.
    UnknownStep = "E0303", "unknown step";
    /// A process id that is not defined.
    UnknownProcess = "E0304", "unknown process";
    /// An agreement id that is not defined.
    UnknownAgreement = "E0305", "unknown agreement";
    /// A target id the agreement does not have.
    UnknownTarget = "E0306", "unknown target";
    /// An escalation matrix id that is not defined.
    UnknownEscalation = "E0307", "unknown escalation matrix";
    /// A topic id the escalation matrix does not have.
    UnknownTopic = "E0308", "unknown escalation topic";
    /// A KPI id that is not defined.
    UnknownKpi = "E0309", "unknown KPI";
    /// A report id that is not defined.
    UnknownReport = "E0310", "unknown report";
    /// `underpinned_by` names an agreement that is not an OLA or UC, or the agreement itself.
    WrongAgreementType = "E0311", "agreement of the wrong type";

    // E04xx: process graphs.
    /// A step that no path from the process start reaches.
    UnreachableStep = "W0401", "unreachable step";
    /// A process whose start reaches no end step.
    NoEnd = "E0402", "process never ends";
    /// A loop that no step leaves.
    CycleWithoutExit = "E0403", "cycle with no exit";
    /// A decision with fewer than two outcomes, or whose conditions leave a case open.
    DecisionOutcomes = "E0404", "decision without an outcome for every case";
    /// A parallel step without a join.
    ParallelWithoutJoin = "E0405", "parallel without join";
    /// A parallel branch that never reaches the join.
    BranchMissesJoin = "E0406", "branch never reaches its join";
    /// A field that the step's kind does not use, e.g. `outcomes` on a task.
    StepKindMismatch = "E0407", "field does not fit the step kind";
    /// A step that is not an end but has no next step.
    DeadEnd = "E0408", "step leads nowhere";
    /// A process with no steps.
    EmptyProcess = "E0409", "process has no steps";
    /// Processes that call each other as subprocesses in a cycle.
    SubprocessCycle = "E0410", "processes call each other in a cycle";

    // E05xx: RACI.
    /// A task or decision with no accountable (A) role.
    NoAccountable = "E0501", "no accountable role";
    /// A task or decision with more than one accountable (A) role.
    SeveralAccountable = "E0502", "more than one accountable role";
    /// RACI letters other than R, A, C and I.
    InvalidRaci = "E0503", "invalid RACI letters";

    // E06xx: calendars.
    /// A time zone that is not in the IANA database.
    UnknownTimezone = "E0601", "unknown time zone";
    /// Working intervals of one day that overlap.
    OverlappingIntervals = "E0602", "overlapping working intervals";
    /// A calendar used for time arithmetic that has no working time at all.
    NoWorkingTime = "E0603", "calendar has no working time";
    /// An interval whose close is not after its open.
    InvalidInterval = "E0604", "invalid working interval";
    /// An iCalendar holiday file that cannot be read or understood.
    HolidayFile = "E0605", "bad holiday file";
    /// Calendars that inherit from each other in a cycle.
    InheritCycle = "E0606", "cycle in calendar inheritance";
    /// A holiday rule whose `first_year` is after its `last_year`, so it never applies.
    HolidayRuleYears = "E0607", "holiday rule that never applies";

    // E07xx: agreements and targets.
    /// A goal of zero or less.
    GoalNotPositive = "E0701", "goal is not positive";
    /// A milestone outside the goal.
    MilestoneOutOfRange = "E0702", "milestone out of range";
    /// An OLA or UC goal that can never fit inside the SLA target it underpins.
    UnderpinningCannotFit = "E0703", "underpinning goal cannot fit";
    /// An OLA or UC goal that does not fit inside the SLA target for some start times.
    UnderpinningMayNotFit = "W0704", "underpinning goal does not always fit";
    /// A start condition that implies the stop condition, so the clock can never run.
    StartImpliesStop = "E0705", "start implies stop";
    /// A target that an earlier target of the same measure always takes precedence over.
    ShadowedTarget = "W0706", "target shadowed by an earlier one";
    /// A record type the agreement covers that no target applies to.
    RecordTypeWithoutTarget = "W0707", "record type with no target";
    /// A target with no goal, or with more than one kind of goal.
    GoalShape = "E0708", "target needs exactly one goal";
    /// An agreement whose term runs past the last year its calendar's holidays are known for.
    TermOutlastsHolidays = "W0709", "term runs past the calendar's holidays";

    // E08xx: escalation matrices.
    /// Escalation levels whose delays do not increase.
    DelaysNotIncreasing = "E0801", "escalation delays not increasing";
    /// More escalation levels than the matrix allows.
    TooManyLevels = "E0802", "more escalation levels than allowed";
    /// A topic with no levels or no triggers.
    EmptyTopic = "E0803", "escalation topic without levels or triggers";
    /// A trigger that lacks what its kind needs (e.g. `on: condition` without `when`).
    InvalidTrigger = "E0804", "incomplete trigger";
    /// A step or process names an escalation matrix with no topic for overdue steps.
    NoOverdueTopic = "E0805", "matrix cannot escalate overdue steps";
    /// A process that runs escalates overdue steps to a template matrix (whose roles belong to the library).
    TemplateEscalation = "W0806", "escalation to a template matrix";

    // E09xx: rhai scripts.
    /// A rhai expression that does not compile.
    ScriptSyntax = "E0901", "script does not compile";
    /// A rhai expression that uses a variable its context does not provide.
    UnknownVariable = "E0902", "unknown variable in script";

    // E10xx: KPIs, reports, forums, rate cards, rules and tests.
    /// A KPI whose lower control limit is above its upper one.
    KpiLimits = "E1001", "KPI control limits inverted";
    /// An embedded behaviour test whose events cannot run (missing record type, out of order).
    InvalidTestEvent = "E1002", "invalid test event";
    /// A trigger or rule with none of the parts its kind needs.
    EmptyCondition = "E1003", "condition with nothing to test";

    // E11xx: what reports compute: KPI measures, money, rate cards.
    /// A KPI `measure` giving none or several of `compliance`, `elapsed`, `count` and `ratio`, or a percentile above 100%.
    KpiMeasure = "E1101", "invalid KPI measure";
    /// A rate card id that is not defined.
    UnknownRateCard = "E1102", "unknown rate card";
}

impl Code {
    /// The severity, from the code's letter.
    pub fn severity(self) -> Severity {
        if self.as_str().starts_with('W') {
            Severity::Warning
        } else {
            Severity::Error
        }
    }

    /// The anchor of the code's entry in `docs/codes.md`.
    pub fn doc_anchor(self) -> String {
        self.as_str().to_lowercase()
    }

    /// Looks a code up by its text, e.g. `E0302`.
    pub fn parse(text: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == text)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = BTreeSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "{text} used twice");
            assert_eq!(text.len(), 5);
            assert!(text.starts_with('E') || text.starts_with('W'));
            assert!(text[1..].chars().all(|c| c.is_ascii_digit()));
            // Numbers are unique regardless of the letter, so a code never changes severity.
            assert!(seen.insert(&text[1..]), "number of {text} used twice");
        }
    }
}
