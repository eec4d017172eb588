//! The square grid under the hotspot and density surfaces.
//!
//! Cells are numbered row-major from the south-west corner: `cell = iy × columns + ix`,
//! `ix` growing eastwards (x) and `iy` northwards (y). This is also the order of
//! libpysal's `lat2W(rows, columns)`, which the comparison with esda relies on.
//!
//! Two ways to lay a grid:
//! - [`SquareGrid::covering`] fits the points: the origin is (min x, min y), and there
//!   are `floor((max − min) / cell) + 1` columns (rows likewise). Cells are half-open,
//!   `[origin + i·cell, origin + (i+1)·cell)`, so a point on a cell boundary belongs
//!   to the cell east (north) of it, and the point with the largest x gets a column of
//!   its own even when `max − min` is a multiple of the cell size.
//! - [`SquareGrid::over_extent`] takes a given extent: `ceil((max − min) / cell)`
//!   columns (at least one) from (min x, min y), so the grid may reach a little past
//!   the extent's east and north edges. Cells are half-open as above, except that the
//!   grid is closed on its east and north edges: a point exactly there is put in the
//!   last column or row. Points outside the grid are not binned (and counted as such).

use serde::Serialize;

use crate::error::{AnalyticsError, check_finite, check_positive, check_same_len};

/// At most this many cells: a raster of 8-byte values this large is 1 GiB.
pub const MAX_CELLS: u128 = 1 << 27;

/// A rectangle `min_x, min_y, max_x, max_y` in the points' planar units (metres).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Extent {
    /// West edge.
    pub min_x: f64,
    /// South edge.
    pub min_y: f64,
    /// East edge.
    pub max_x: f64,
    /// North edge.
    pub max_y: f64,
}

impl Extent {
    /// Checks the corners: finite, and max not below min.
    pub fn new(min_x: f64, min_y: f64, max_x: f64, max_y: f64) -> Result<Self, AnalyticsError> {
        for (name, value) in [
            ("extent min_x", min_x),
            ("extent min_y", min_y),
            ("extent max_x", max_x),
            ("extent max_y", max_y),
        ] {
            if !value.is_finite() {
                return Err(AnalyticsError::InvalidParameter {
                    name,
                    reason: format!("must be finite, got {value}"),
                });
            }
        }
        if max_x < min_x || max_y < min_y {
            return Err(AnalyticsError::InvalidParameter {
                name: "extent",
                reason: "max must not be below min".to_owned(),
            });
        }
        Ok(Self {
            min_x,
            min_y,
            max_x,
            max_y,
        })
    }
}

/// A square grid: origin, cell size, columns and rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SquareGrid {
    /// x of the west edge of column 0.
    pub origin_x: f64,
    /// y of the south edge of row 0.
    pub origin_y: f64,
    /// Side of a cell.
    pub cell: f64,
    /// Number of columns (`ix` in `0..columns`).
    pub columns: usize,
    /// Number of rows (`iy` in `0..rows`).
    pub rows: usize,
    /// Whether points on the east and north edge of the grid are clamped into the last
    /// column or row (true for a given extent, see the module documentation).
    pub closed: bool,
}

impl SquareGrid {
    /// The grid fitted to the points (see the module documentation).
    pub fn covering(x: &[f64], y: &[f64], cell: f64) -> Result<Self, AnalyticsError> {
        check_positive("cell", cell)?;
        check_same_len(&[("x", x.len()), ("y", y.len())])?;
        check_finite("x", x)?;
        check_finite("y", y)?;
        if x.is_empty() {
            return Err(AnalyticsError::NotEnoughData(
                "no points to lay a grid over".to_owned(),
            ));
        }
        let (min_x, max_x) = min_max(x);
        let (min_y, max_y) = min_max(y);
        let columns = ((max_x - min_x) / cell).floor() + 1.0;
        let rows = ((max_y - min_y) / cell).floor() + 1.0;
        Self::checked(min_x, min_y, cell, columns, rows, false)
    }

    /// The grid over a given extent (see the module documentation).
    pub fn over_extent(extent: Extent, cell: f64) -> Result<Self, AnalyticsError> {
        check_positive("cell", cell)?;
        let columns = ((extent.max_x - extent.min_x) / cell).ceil().max(1.0);
        let rows = ((extent.max_y - extent.min_y) / cell).ceil().max(1.0);
        Self::checked(extent.min_x, extent.min_y, cell, columns, rows, true)
    }

    fn checked(
        origin_x: f64,
        origin_y: f64,
        cell: f64,
        columns: f64,
        rows: f64,
        closed: bool,
    ) -> Result<Self, AnalyticsError> {
        let cells = columns * rows;
        if !cells.is_finite() || cells > MAX_CELLS as f64 {
            return Err(AnalyticsError::GridTooLarge {
                cells: if cells.is_finite() {
                    cells as u128
                } else {
                    u128::MAX
                },
            });
        }
        Ok(Self {
            origin_x,
            origin_y,
            cell,
            columns: columns as usize,
            rows: rows as usize,
            closed,
        })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.columns * self.rows
    }

    /// Whether the grid has no cells (never, for a grid built by this module).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column and row of a point, or `None` when it lies outside the grid.
    pub fn locate(&self, x: f64, y: f64) -> Option<(usize, usize)> {
        Some((
            axis_index(x, self.origin_x, self.cell, self.columns, self.closed)?,
            axis_index(y, self.origin_y, self.cell, self.rows, self.closed)?,
        ))
    }

    /// Cell number of a point, or `None` when it lies outside the grid.
    pub fn cell_of(&self, x: f64, y: f64) -> Option<usize> {
        self.locate(x, y).map(|(ix, iy)| iy * self.columns + ix)
    }

    /// Column and row of a cell number.
    pub fn position(&self, cell: usize) -> (usize, usize) {
        (cell % self.columns, cell / self.columns)
    }

    /// Centre of a cell.
    pub fn centre(&self, ix: usize, iy: usize) -> (f64, f64) {
        (
            self.origin_x + (ix as f64 + 0.5) * self.cell,
            self.origin_y + (iy as f64 + 0.5) * self.cell,
        )
    }

    /// Points per cell, and how many points fell outside the grid.
    pub fn counts(&self, x: &[f64], y: &[f64]) -> Result<(Vec<u32>, usize), AnalyticsError> {
        check_same_len(&[("x", x.len()), ("y", y.len())])?;
        check_finite("x", x)?;
        check_finite("y", y)?;
        let mut counts = vec![0u32; self.len()];
        let mut outside = 0;
        for (&px, &py) in x.iter().zip(y) {
            match self.cell_of(px, py) {
                Some(cell) => counts[cell] += 1,
                None => outside += 1,
            }
        }
        Ok((counts, outside))
    }
}

/// Index along one axis; `closed` clamps the far edge into the last cell.
fn axis_index(v: f64, origin: f64, cell: f64, len: usize, closed: bool) -> Option<usize> {
    let offset = v - origin;
    if offset < 0.0 {
        return None;
    }
    let index = (offset / cell).floor() as usize;
    if index < len {
        Some(index)
    } else if closed && offset <= len as f64 * cell {
        Some(len - 1)
    } else {
        None
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}
