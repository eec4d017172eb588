//! Statistics for the station's analysis (研判) on plain columnar data: slices of
//! planar coordinates in metres and times in any unit, never domain types.
//!
//! - [`gistar`]: Getis–Ord Gi* hotspots on a square grid, the same z-scores as esda's
//!   `G_Local(y, w, transform="B", star=True)`, with optional conditional permutation
//!   inference.
//! - [`knox`]: the Knox near-repeat test: the global 2×2 table with Poisson and Monte
//!   Carlo p-values, the multi-band table of the Near Repeat Calculator and the local
//!   (per event) version, with the same counts as pointpats' `Knox` and `KnoxLocal`.
//! - [`kde`]: a kernel density surface on a raster, for the map.
//! - [`temporal`]: the hour-of-day × weekday matrix, counts per period and
//!   year-on-year change by any grouping (category, area, both).
//! - [`repeat`]: repeat detection at intake (一人多次, 一地多起, 一类多发), incremental
//!   and over history, with the report by area and period.
//! - [`grid`]: the square grid shared by the hotspot and density surfaces.
//!
//! Everything is deterministic: random procedures take a seed, and their results do
//! not depend on the number of threads rayon happens to use.

#![forbid(unsafe_code)]

pub mod error;
pub mod gistar;
pub mod grid;
pub mod kde;
pub mod knox;
pub mod repeat;
mod rng;
pub mod temporal;

pub use error::AnalyticsError;
pub use gistar::{GiStar, GiStarOptions, gi_star, gi_star_points};
pub use grid::{Extent, SquareGrid};
pub use kde::{DensitySurface, Kernel, kernel_density};
pub use knox::{
    BandTable, KnoxBands, KnoxLocal, KnoxParams, KnoxResult, knox, knox_bands, knox_local,
};
pub use repeat::{
    CallerKey, Flag, Observation, PlaceKey, RepeatCaller, RepeatEngine, RepeatFlags, RepeatPlace,
    RepeatReport, RepeatRow, RepeatSettings, Surge, repeat_flags, repeat_report,
};
pub use temporal::{Date, Period, Trend, YearOnYear, hour_weekday_matrix, trend, year_on_year};
