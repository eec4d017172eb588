//! The place rule (一地多起): the same standard address within the window or, for an
//! incident without one, earlier points within the radius.
//!
//! Points go into a spatial hash of cells a little wider than the radius, so the
//! points within the radius of any point are in its cell or the eight around it; a
//! walk stops as soon as `min_count − 1` of them are found when only the flag is asked.

use super::Observation;
use super::window::KeyedWindow;

/// Cells are a little wider than the radius, so that rounding in `x / side` can never
/// put two points within the radius two cells apart (it would take coordinates beyond
/// about 10⁸ radii); the distance test itself is exact.
const CELL_MARGIN: f64 = 1.0 + 1e-6;

#[derive(Debug, Clone)]
pub(super) struct PlaceRule {
    addresses: KeyedWindow<u32, ()>,
    /// Incidents with a point, matched or not, by cell.
    points: KeyedWindow<(i64, i64), (f64, f64)>,
    cell_side: f64,
    radius_squared: f64,
    /// Earlier incidents needed for a flag, `min_count − 1`.
    needed: usize,
}

impl PlaceRule {
    pub fn new(min_count: u32, radius_m: f64) -> Self {
        Self {
            addresses: KeyedWindow::new(),
            points: KeyedWindow::new(),
            cell_side: radius_m * CELL_MARGIN,
            radius_squared: radius_m * radius_m,
            needed: min_count as usize - 1,
        }
    }

    pub fn expire_before(&mut self, cutoff: i64) {
        self.addresses.expire_before(cutoff);
        self.points.expire_before(cutoff);
    }

    /// Judges an incident against the window, which it is not yet part of.
    pub fn judge(&self, incident: &Observation) -> bool {
        let needed = self.needed;
        match (incident.address, incident.point) {
            (Some(address), _) => self.addresses.count(&address) as usize >= needed,
            (None, Some(point)) => self.near(point).take(needed).count() >= needed,
            (None, None) => false,
        }
    }

    /// The earlier incidents at the place, in the order observed.
    pub fn earlier(&self, incident: &Observation) -> Vec<u64> {
        match (incident.address, incident.point) {
            (Some(address), _) => {
                let mut earlier: Vec<u64> = self
                    .addresses
                    .newest_first(&address)
                    .map(|e| e.id)
                    .collect();
                earlier.reverse();
                earlier
            }
            (None, Some(point)) => {
                // The cells are walked one after the other: put the hits back in order.
                let mut hits: Vec<(u64, u64)> = self.near(point).collect();
                hits.sort_unstable();
                hits.into_iter().map(|(_, id)| id).collect()
            }
            (None, None) => Vec::new(),
        }
    }

    pub fn add(&mut self, incident: &Observation, seq: u64) {
        let (time, id) = (incident.time, incident.id);
        if let Some(address) = incident.address {
            self.addresses.push(address, time, seq, id, ());
        }
        if let Some(point) = incident.point {
            self.points.push(self.cell_of(point), time, seq, id, point);
        }
    }

    fn cell_of(&self, (x, y): (f64, f64)) -> (i64, i64) {
        (
            (x / self.cell_side).floor() as i64,
            (y / self.cell_side).floor() as i64,
        )
    }

    /// `(seq, id)` of the earlier incidents within the radius of a point, cell by cell.
    fn near(&self, point: (f64, f64)) -> impl Iterator<Item = (u64, u64)> + '_ {
        let (cx, cy) = self.cell_of(point);
        let radius_squared = self.radius_squared;
        (-1..=1)
            .flat_map(move |dx| (-1..=1).map(move |dy| (cx.wrapping_add(dx), cy.wrapping_add(dy))))
            .flat_map(move |cell| self.points.newest_first(&cell))
            .filter(move |entry| {
                let (dx, dy) = (entry.payload.0 - point.0, entry.payload.1 - point.1);
                dx * dx + dy * dy <= radius_squared
            })
            .map(|entry| (entry.seq, entry.id))
    }
}
