//! Business-calendar arithmetic: table tests at DST and holiday edges, real iCalendar feeds, and
//! property tests against a brute-force reference.

mod bundles;
mod helpers;
mod ics_feeds;
mod library_holidays;
mod properties;
mod table;
