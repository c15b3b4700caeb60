//! The compiled bundle: a validated bundle turned once into what the engine runs (targets with
//! compiled conditions, process graphs, escalation matrices, calendars, rhai ASTs), identified
//! by a content hash.
//!
//! A compiled bundle is immutable and shared behind `Arc`, so a running engine can keep one
//! version while a newer one is being built; every clock and instance records the hash of the
//! version it started under.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::base::FieldNames;
use crate::base::{FastMap, Name};
use crate::calendar::{BusinessCalendar, Calendars};
use crate::condition::{Assignment, CompiledScript, Condition, compile_script};
use crate::escalation::{Level, Matrix, Topic, Trigger};
use crate::graph::ProcessGraph;
use crate::model::agreement::Agreement;
use crate::model::process::{Process, StepKind};
use crate::model::{self, Bundle, Duration, Period, Script, Spanned};
use crate::script::{self, ScriptContext};
use crate::sla::{self, ActionSpec, Goal, Group, Milestone, Point};
use crate::source::{FileId, SourceMap};

/// A process step, compiled.
#[derive(Debug, Clone)]
pub struct StepDef {
    /// The step id.
    pub id: Name,
    /// Its kind.
    pub kind: StepKind,
    /// Who does it: the R roles, or the A role when there is no R.
    pub doers: Vec<String>,
    /// The accountable role(s).
    pub accountable: Vec<String>,
    /// Consulted roles.
    pub consulted: Vec<String>,
    /// Informed roles.
    pub informed: Vec<String>,
    /// The next step.
    pub next: Option<u32>,
    /// Decision outcomes: name, step, condition.
    pub outcomes: Vec<(String, u32, Option<CompiledScript>)>,
    /// Parallel branches.
    pub branches: Vec<u32>,
    /// Parallel join.
    pub join: Option<u32>,
    /// Subprocess index.
    pub subprocess: Option<u32>,
    /// How long the step may take.
    pub due: Option<Duration>,
    /// The calendar `due` counts in.
    pub calendar: Arc<BusinessCalendar>,
    /// The matrix raised when the step is overdue.
    pub escalation: Option<u32>,
}

/// What starts instances of a process.
#[derive(Debug, Clone)]
pub struct TriggerDef {
    /// The process.
    pub process: u32,
    /// The step instances start at.
    pub entry: u32,
    /// An event name.
    pub event: Option<String>,
    /// A record type.
    pub record_type: Option<String>,
    /// A schedule and the time zone of its boundaries.
    pub schedule: Option<(Period, chrono_tz::Tz)>,
    /// A condition.
    pub when: Option<CompiledScript>,
}

/// A process, compiled.
#[derive(Debug, Clone)]
pub struct ProcessDef {
    /// The process id.
    pub id: Name,
    /// Whether its triggers are inactive.
    pub template: bool,
    /// Its graph.
    pub graph: ProcessGraph,
    /// Its steps, by graph index.
    pub steps: Vec<StepDef>,
    /// The step an instance called as a subprocess starts at.
    pub start: Option<u32>,
}

/// A record rule, compiled.
#[derive(Debug, Clone)]
pub struct RuleDef {
    /// The rule id.
    pub id: Name,
    /// Record types it watches (all when empty).
    pub record_types: Vec<String>,
    /// Event names it watches (all when empty).
    pub events: Vec<String>,
    /// The condition.
    pub when: Condition,
    /// What to do.
    pub actions: Vec<ActionSpec>,
}

/// A bundle compiled for the engine.
#[derive(Debug)]
pub struct Compiled {
    /// SHA-256 of the bundle's files (paths and contents), hex.
    pub hash: String,
    /// The rhai sandbox scripts run in.
    pub script: rhai::Engine,
    /// Calendars.
    pub calendars: Calendars,
    /// Targets.
    pub targets: Vec<sla::Target>,
    /// Target groups per record type.
    pub groups: FastMap<String, Vec<Group>>,
    /// Members of each role.
    pub members: HashMap<String, Vec<String>>,
    /// Escalation matrices.
    pub matrices: Vec<Matrix>,
    /// Matrix index by id.
    pub matrix_index: HashMap<String, u32>,
    /// Processes.
    pub processes: Vec<ProcessDef>,
    /// Process index by id.
    pub process_index: HashMap<String, u32>,
    /// Process triggers.
    pub triggers: Vec<TriggerDef>,
    /// Record rules.
    pub rules: Vec<RuleDef>,
    /// The record field names conditions read, shared with the records of every engine that
    /// runs this bundle.
    pub names: FieldNames,
}

impl Compiled {
    /// Loads one in-memory YAML file as a bundle, checks it and compiles it (for tests,
    /// benchmarks and embedding; holiday files are not read). Returns the model with the
    /// compiled bundle, or the findings in the plain format if there are errors.
    pub fn from_text(name: &str, text: &str) -> Result<(Bundle, Compiled), String> {
        let mut loader = crate::load::Loader::new();
        let loaded = loader.load_text(name, text);
        let mut diagnostics = loaded.diagnostics;
        crate::validate::check(&loaded.bundle, loader.sources(), &mut diagnostics);
        if diagnostics.has_errors() {
            return Err(crate::diagnostic::render::plain(
                &diagnostics,
                loader.sources(),
            ));
        }
        let compiled = Compiled::new(&loaded.bundle, loader.sources(), &loaded.files);
        Ok((loaded.bundle, compiled))
    }

    /// Compiles a bundle that validated without errors. `files` are the bundle's files, hashed
    /// in order of their display names.
    pub fn new(bundle: &Bundle, sources: &SourceMap, files: &[FileId]) -> Compiled {
        let mut ignored = crate::diagnostic::Diagnostics::new();
        let calendars = Calendars::compile(bundle, sources, &mut ignored);
        let engine = script::sandbox();
        let mut cx = Cx {
            sources,
            engine: &engine,
            calendars: &calendars,
        };
        let members = bundle
            .roles
            .iter()
            .map(|(id, e)| (id.as_str().to_string(), e.value.members.clone()))
            .collect();
        let (matrices, matrix_index) = matrices(bundle, &mut cx);
        let (mut targets, groups) = targets(bundle, &mut cx, &matrix_index);
        let mut names = FieldNames::default();
        for target in &mut targets {
            for condition in [&mut target.applies, &mut target.start, &mut target.stop] {
                condition.share_names(&mut names);
            }
            let optional = [
                &mut target.pause,
                &mut target.resume,
                &mut target.cancel,
                &mut target.reset,
            ];
            for condition in optional.into_iter().flatten() {
                condition.share_names(&mut names);
            }
        }
        let process_index: HashMap<String, u32> = bundle
            .processes
            .iter()
            .enumerate()
            .map(|(i, (id, _))| {
                (
                    id.as_str().to_string(),
                    u32::try_from(i).unwrap_or(u32::MAX),
                )
            })
            .collect();
        let mut processes = Vec::new();
        let mut triggers = Vec::new();
        for (index, (id, entry)) in bundle.processes.iter().enumerate() {
            let process = process(
                id.as_str(),
                &entry.value,
                &mut cx,
                &process_index,
                &matrix_index,
            );
            triggers.extend(process_triggers(
                u32::try_from(index).unwrap_or(u32::MAX),
                &entry.value,
                &process,
                &mut cx,
            ));
            processes.push(process);
        }
        let mut rules = rules(bundle, &mut cx, &matrix_index);
        for rule in &mut rules {
            rule.when.share_names(&mut names);
        }
        Compiled {
            hash: hash(sources, files),
            calendars,
            targets,
            groups,
            members,
            matrices,
            matrix_index,
            processes,
            process_index,
            triggers,
            rules,
            names,
            script: engine,
        }
    }

    /// The members of roles, sorted, without repeats.
    pub fn recipients(&self, roles: &[String]) -> Vec<String> {
        let mut all: Vec<String> = roles
            .iter()
            .flat_map(|r| self.members.get(r).cloned().unwrap_or_default())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// SHA-256 over the bundle's files: each path relative to the directory all of them share (so
/// the version does not depend on where slaflow runs from), then its text, in path order.
fn hash(sources: &SourceMap, files: &[FileId]) -> String {
    let found: Vec<(std::path::PathBuf, &str)> = files
        .iter()
        .filter_map(|f| sources.file(*f))
        .map(|f| {
            (
                f.path()
                    .canonicalize()
                    .unwrap_or_else(|_| f.path().to_path_buf()),
                f.text(),
            )
        })
        .collect();
    let common: Vec<std::path::Component<'_>> = found
        .iter()
        .map(|(p, _)| p.parent().unwrap_or(p).components().collect::<Vec<_>>())
        .reduce(|a, b| {
            a.into_iter()
                .zip(b)
                .take_while(|(x, y)| x == y)
                .map(|(x, _)| x)
                .collect()
        })
        .unwrap_or_default();
    let mut named: Vec<(String, &str)> = found
        .iter()
        .map(|(path, text)| {
            let relative: std::path::PathBuf = path.components().skip(common.len()).collect();
            (relative.to_string_lossy().replace('\\', "/"), *text)
        })
        .collect();
    named.sort();
    let mut hasher = Sha256::new();
    for (name, text) in named {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

struct Cx<'a> {
    sources: &'a SourceMap,
    engine: &'a rhai::Engine,
    calendars: &'a Calendars,
}

impl Cx<'_> {
    fn script(
        &self,
        context: ScriptContext,
        script: Option<&Script>,
        owner: impl Fn() -> String,
    ) -> Option<CompiledScript> {
        let script = script?;
        let start = self.sources.start(script.0.span);
        let origin = format!(
            "{}:{}:{}",
            self.sources.name(script.0.span),
            start.line,
            start.col
        );
        compile_script(self.engine, context, script, owner(), origin)
    }

    fn calendar(&self, id: Option<&Spanned<model::CalendarId>>) -> Arc<BusinessCalendar> {
        self.calendars
            .get_or_always(id.map(|c| c.value.as_str()))
            .cloned()
            .unwrap_or_else(|| Arc::new(BusinessCalendar::always_open()))
    }
}

fn actions(list: &[model::Action], matrices: &HashMap<String, u32>) -> Vec<ActionSpec> {
    list.iter()
        .map(|a| ActionSpec {
            notify: a.notify.iter().map(|r| r.value.to_string()).collect(),
            escalate: a
                .escalate
                .as_ref()
                .filter(|m| matrices.contains_key(m.value.as_str()))
                .map(|m| {
                    (
                        m.value.to_string(),
                        a.topic.as_ref().map(|t| t.value.to_string()),
                    )
                }),
            message: a.message.clone(),
        })
        .collect()
}

fn condition(
    cx: &mut Cx<'_>,
    model: Option<&Spanned<model::Condition>>,
    assignment: &Option<Assignment>,
    owner: impl Fn() -> String,
) -> Option<Condition> {
    let model = model?;
    let mut compile = |script: &Script| cx.script(ScriptContext::Record, Some(script), &owner);
    Some(Condition::new(
        &model.value,
        assignment.clone(),
        &mut compile,
    ))
}

fn targets(
    bundle: &Bundle,
    cx: &mut Cx<'_>,
    matrices: &HashMap<String, u32>,
) -> (Vec<sla::Target>, FastMap<String, Vec<Group>>) {
    let mut targets = Vec::new();
    let mut groups: FastMap<String, Vec<Group>> = FastMap::default();
    for (agreement_id, entry) in bundle.agreements.iter() {
        let agreement: &Agreement = &entry.value;
        let agreement_name = Name::from(agreement_id.as_str());
        let assignment = agreement
            .provider
            .as_ref()
            .and_then(|p| p.group.clone())
            .map(|group| Assignment {
                field: agreement
                    .assignment_field
                    .as_deref()
                    .unwrap_or("assignment_group")
                    .into(),
                group,
            });
        let mut measures: Vec<(String, Vec<u32>)> = Vec::new();
        for (target_id, t) in agreement.targets.iter() {
            let goal = match (&t.goal, &t.deadline) {
                (Some(goal), _) => match goal.value {
                    Duration::Seconds(s) => Goal::Seconds(s),
                    Duration::WorkingDays(d) => Goal::WorkingDays(d),
                },
                (None, Some(field)) => Goal::Deadline(field.value.clone()),
                (None, None) => continue, // availability targets have no clock
            };
            let index = u32::try_from(targets.len()).unwrap_or(u32::MAX);
            let name = |what: &'static str| {
                let a = agreement_id.to_string();
                let t = target_id.value.to_string();
                move || format!("target {t} of {a} ({what})")
            };
            let applies_script = cx.script(
                ScriptContext::Record,
                t.applies_to.when.as_ref(),
                name("applies_to"),
            );
            let milestones = t
                .milestones
                .iter()
                .filter_map(|m| {
                    let m = &m.value;
                    let (point, label) = if let Some(at) = &m.at {
                        (Point::Fraction(at.value.fraction()), at.value.to_string())
                    } else if let Some(before) = &m.before_due {
                        (
                            Point::BeforeDue(before.value.seconds()?),
                            format!("{} before due", before.value),
                        )
                    } else if let Some(after) = &m.after_due {
                        (
                            Point::AfterDue(after.value.seconds()?),
                            format!("{} after due", after.value),
                        )
                    } else {
                        return None;
                    };
                    Some(Milestone {
                        name: m.name.clone().unwrap_or(label).into(),
                        point,
                        actions: actions(&m.actions, matrices),
                    })
                })
                .collect();
            let target = sla::Target {
                index,
                agreement: Name::clone(&agreement_name),
                agreement_type: agreement.kind.value,
                id: target_id.value.as_str().into(),
                measure: t.measure(target_id.value.as_str()).to_string(),
                record_types: t.applies_to.record_type.value.0.clone(),
                applies: Condition::of_fields(&t.applies_to.fields, applies_script),
                start: condition(cx, Some(&t.start), &assignment, name("start"))
                    .unwrap_or_default(),
                stop: condition(cx, Some(&t.stop), &assignment, name("stop")).unwrap_or_default(),
                pause: condition(cx, t.pause.as_ref(), &assignment, name("pause")),
                resume: condition(cx, t.resume.as_ref(), &assignment, name("resume")),
                cancel: condition(cx, t.cancel.as_ref(), &assignment, name("cancel")),
                reset: condition(cx, t.reset.as_ref(), &assignment, name("reset")),
                start_from: t.start_from.as_ref().map(|f| f.value.clone()),
                goal,
                calendar: cx.calendar(t.calendar.as_ref().or(agreement.calendar.as_ref())),
                milestones,
                breach: actions(&t.breach, matrices),
                policy: t.on_change.as_ref().map(|p| p.value).unwrap_or_default(),
            };
            let measure = target.measure.clone();
            match measures.iter_mut().find(|(m, _)| *m == measure) {
                Some((_, list)) => list.push(index),
                None => measures.push((measure, vec![index])),
            }
            targets.push(target);
        }
        for (_, members) in measures {
            let mut types: Vec<&String> = members
                .iter()
                .filter_map(|i| targets.get(*i as usize))
                .flat_map(|t: &sla::Target| t.record_types.iter())
                .collect();
            types.sort();
            types.dedup();
            for record_type in types {
                let of_type: Vec<u32> = members
                    .iter()
                    .copied()
                    .filter(|i| {
                        targets
                            .get(*i as usize)
                            .is_some_and(|t| t.record_types.contains(record_type))
                    })
                    .collect();
                groups
                    .entry(record_type.clone())
                    .or_default()
                    .push(Group { targets: of_type });
            }
        }
    }
    (targets, groups)
}

fn matrices(bundle: &Bundle, cx: &mut Cx<'_>) -> (Vec<Matrix>, HashMap<String, u32>) {
    let mut list = Vec::new();
    let mut index = HashMap::new();
    for (id, entry) in bundle.escalations.iter() {
        let m = &entry.value;
        let max = m
            .max_levels
            .as_ref()
            .map_or(usize::MAX, |l| l.value as usize);
        let topics = m
            .topics
            .iter()
            .map(|(topic_id, topic)| Topic {
                id: topic_id.value.as_str().into(),
                triggers: topic
                    .triggers
                    .iter()
                    .map(|t| {
                        let t = &t.value;
                        let owner = format!("escalation {id} topic {}", topic_id.value);
                        Trigger {
                            on: t.on.value,
                            agreement: t.agreement.as_ref().map(|a| a.value.to_string()),
                            agreement_type: t.agreement_type.as_ref().map(|a| a.value),
                            target: t.target.as_ref().map(|a| a.value.to_string()),
                            process: t.process.as_ref().map(|a| a.value.to_string()),
                            step: t.step.as_ref().map(|a| a.value.to_string()),
                            record_type: t.record_type.as_ref().map(|a| a.value.clone()),
                            event: t.event.as_ref().map(|a| a.value.clone()),
                            when: cx
                                .script(ScriptContext::Record, t.when.as_ref(), || owner.clone()),
                        }
                    })
                    .collect(),
                levels: topic
                    .levels
                    .iter()
                    .take(max)
                    .map(|l| Level {
                        roles: l.value.roles.iter().map(|r| r.value.to_string()).collect(),
                        after: l.value.after.as_ref().map(|a| a.value),
                        action: l.value.action.clone(),
                    })
                    .collect(),
                include_fields: topic.include_fields.clone(),
            })
            .collect();
        index.insert(
            id.as_str().to_string(),
            u32::try_from(list.len()).unwrap_or(u32::MAX),
        );
        list.push(Matrix {
            id: id.as_str().into(),
            template: m.template,
            calendar: cx.calendar(m.calendar.as_ref()),
            topics,
        });
    }
    (list, index)
}

fn letters(
    step: &model::process::Step,
    pick: impl Fn(&model::process::Raci) -> bool,
) -> Vec<String> {
    step.raci
        .iter()
        .filter(|(_, l)| pick(&l.value))
        .map(|(r, _)| r.value.to_string())
        .collect()
}

fn process(
    id: &str,
    process: &Process,
    cx: &mut Cx<'_>,
    processes: &HashMap<String, u32>,
    matrices: &HashMap<String, u32>,
) -> ProcessDef {
    let graph = ProcessGraph::build(process);
    let mut steps = Vec::new();
    for (index, gstep) in graph.steps.iter().enumerate() {
        let Some(step) = graph.model_step(process, index) else {
            continue;
        };
        let responsible = letters(step, |l| l.responsible);
        let accountable = letters(step, |l| l.accountable);
        let doers = if responsible.is_empty() {
            accountable.clone()
        } else {
            responsible
        };
        let outcomes = step
            .outcomes
            .iter()
            .filter_map(|(name, outcome)| {
                let to = u32::try_from(graph.resolve(outcome.value.to.as_str())?).ok()?;
                let owner = format!("process {id} step {} outcome {}", gstep.id, name.value);
                let when = cx.script(ScriptContext::Decision, outcome.value.when.as_ref(), || {
                    owner.clone()
                });
                Some((name.value.clone(), to, when))
            })
            .collect();
        let resolve = |s: &Spanned<model::StepId>| {
            graph
                .resolve(s.value.as_str())
                .and_then(|i| u32::try_from(i).ok())
        };
        steps.push(StepDef {
            id: gstep.id.to_string().into(),
            kind: gstep.kind,
            doers,
            accountable,
            consulted: letters(step, |l| l.consulted),
            informed: letters(step, |l| l.informed),
            next: step.next.as_ref().and_then(resolve),
            outcomes,
            branches: step.branches.iter().filter_map(resolve).collect(),
            join: step.join.as_ref().and_then(resolve),
            subprocess: step
                .process
                .as_ref()
                .and_then(|p| processes.get(p.value.as_str()).copied()),
            due: step.due.as_ref().map(|d| d.value),
            calendar: cx.calendar(step.calendar.as_ref().or(process.calendar.as_ref())),
            escalation: step
                .escalation
                .as_ref()
                .or(process.escalation.as_ref())
                .and_then(|m| matrices.get(m.value.as_str()).copied()),
        });
    }
    ProcessDef {
        id: id.into(),
        template: process.template,
        start: graph.start.and_then(|s| u32::try_from(s).ok()),
        graph,
        steps,
    }
}

fn process_triggers(
    index: u32,
    process: &Process,
    def: &ProcessDef,
    cx: &mut Cx<'_>,
) -> Vec<TriggerDef> {
    if process.template {
        return Vec::new();
    }
    let tz_of = |trigger: &model::process::Trigger, cx: &Cx<'_>| {
        cx.calendar(trigger.calendar.as_ref().or(process.calendar.as_ref()))
            .tz()
    };
    let mut out = Vec::new();
    let mut add = |trigger: &model::process::Trigger, entry: Option<u32>, cx: &mut Cx<'_>| {
        let Some(entry) = entry else { return };
        let owner = format!("process {} trigger", def.id);
        out.push(TriggerDef {
            process: index,
            entry,
            event: trigger.event.as_ref().map(|e| e.value.clone()),
            record_type: trigger.record_type.as_ref().map(|r| r.value.clone()),
            schedule: trigger
                .schedule
                .as_ref()
                .map(|s| (s.value, tz_of(trigger, cx))),
            when: cx.script(ScriptContext::Record, trigger.when.as_ref(), || {
                owner.clone()
            }),
        });
    };
    for trigger in &process.triggers {
        add(&trigger.value, def.start, cx);
    }
    for (procedure_id, procedure) in process.procedures.iter() {
        let entry = def
            .graph
            .resolve(procedure_id.value.as_str())
            .and_then(|i| u32::try_from(i).ok());
        for trigger in &procedure.triggers {
            add(&trigger.value, entry, cx);
        }
    }
    out
}

fn rules(bundle: &Bundle, cx: &mut Cx<'_>, matrices: &HashMap<String, u32>) -> Vec<RuleDef> {
    bundle
        .rules
        .iter()
        .map(|(id, entry)| {
            let rule = &entry.value;
            let owner = format!("rule {id}");
            let script = cx.script(ScriptContext::Record, Some(&rule.when), || owner.clone());
            RuleDef {
                id: id.as_str().into(),
                record_types: rule
                    .record_type
                    .as_ref()
                    .map(|r| r.value.0.clone())
                    .unwrap_or_default(),
                events: rule
                    .event
                    .as_ref()
                    .map(|e| e.value.0.clone())
                    .unwrap_or_default(),
                when: script.map(Condition::of_script).unwrap_or_default(),
                actions: actions(&rule.actions, matrices),
            }
        })
        .collect()
}

/// Looks a topic up by matrix and optional topic id (the first topic when none is given).
pub fn find_topic(compiled: &Compiled, matrix: &str, topic: Option<&str>) -> Option<(u32, u32)> {
    let m = *compiled.matrix_index.get(matrix)?;
    let found = compiled.matrices.get(m as usize)?;
    let t = match topic {
        Some(id) => found.topics.iter().position(|t| &*t.id == id)?,
        None => 0,
    };
    (t < found.topics.len()).then(|| (m, u32::try_from(t).unwrap_or(0)))
}
