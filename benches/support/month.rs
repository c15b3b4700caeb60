//! The month both the report and the simulation benchmarks replay: 500,000 incidents opened
//! through November 2026 (one every five seconds), each with a response and a resolution clock,
//! answered 20 minutes and resolved 8 hours after opening (every 13th never answered, every
//! 17th resolved late), in a bundle with objectives, per-breach penalties, credit bands, a cap,
//! two KPIs measured by the engine and a report definition.

use std::fmt::Write as _;

/// The bundle.
pub const BUNDLE: &str = r#"
calendars:
  desk:
    timezone: Europe/London
    hours:
      weekdays: ["08:00-18:00"]
      sat: ["09:00-13:00"]
roles:
  desk:
    members: [desk@example.com]
agreements:
  desk-sla:
    type: sla
    calendar: desk
    targets:
      response:
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: responded}
        goal: 1h
        objective: 95%
        penalty: {currency: EUR, per_breach: 12.5, cap: 50000}
      resolution:
        applies_to: {record_type: incident}
        start: {event: created}
        stop: {event: resolved}
        goal: 10h
        objective: 90%
        penalty:
          currency: EUR
          charge: 120000
          credits:
            - {below: 95%, credit: 2%}
            - {below: 90%, credit: 5%}
kpis:
  response-compliance:
    frequency: monthly
    unit: percent
    lower_limit: 95
    measure:
      compliance: {agreement: desk-sla, targets: [response]}
  resolution-p90:
    frequency: monthly
    unit: hours
    upper_limit: 10
    measure:
      elapsed: {agreement: desk-sla, targets: [resolution], percentile: 90%}
reports:
  monthly:
    period: monthly
    calendar: desk
    agreements: [desk-sla]
    kpis: [response-compliance, resolution-p90]
"#;

/// The month's events, in time order.
pub fn events(records: usize) -> String {
    let mut out = String::with_capacity(records * 3 * 110);
    // 2026-11-01T00:00:00Z; one incident every five seconds.
    let base: i64 = 1_793_491_200;
    let (respond, resolve) = (240usize, 5_760usize); // 20 minutes, 8 hours, in steps of 5 s
    let stamp = |step: usize| slaflow::model::Timestamp(base + 5 * step as i64).to_string();
    for step in 0..records + resolve + 1200 {
        if step < records {
            let _ = writeln!(
                out,
                r#"{{"at":"{}","record":"INC{step:07}","type":"incident","event":"created","fields":{{"priority":"P{}"}}}}"#,
                stamp(step),
                step % 4 + 1
            );
        }
        if let Some(r) = step
            .checked_sub(respond)
            .filter(|r| *r < records && !r.is_multiple_of(13))
        {
            let _ = writeln!(
                out,
                r#"{{"at":"{}","record":"INC{r:07}","event":"responded"}}"#,
                stamp(step)
            );
        }
        // Every 17th is resolved 100 minutes later than the others.
        let late = |r: usize| if r.is_multiple_of(17) { 1_200 } else { 0 };
        for r in [step.checked_sub(resolve), step.checked_sub(resolve + 1_200)]
            .into_iter()
            .flatten()
            .filter(|r| *r < records && step == r + resolve + late(*r))
        {
            let _ = writeln!(
                out,
                r#"{{"at":"{}","record":"INC{r:07}","event":"resolved"}}"#,
                stamp(step)
            );
        }
    }
    out
}
