//! The kernel density surface.

use fengqiao_analytics::{Extent, Kernel, SquareGrid, kernel_density};

#[test]
fn a_quartic_surface_integrates_to_the_number_of_events() {
    let extent = Extent::new(-1000.0, -1000.0, 1000.0, 1000.0).unwrap();
    let grid = SquareGrid::over_extent(extent, 10.0).unwrap();
    let (x, y) = ([0.0, 100.0, -250.0], [0.0, 50.0, 300.0]);
    for kernel in [Kernel::Quartic, Kernel::Gaussian] {
        let surface = kernel_density(&x, &y, &grid, kernel, 150.0).unwrap();
        let mass: f64 = surface.density.iter().sum::<f64>() * 100.0;
        assert!((mass - 3.0).abs() < 0.01, "{kernel:?}: {mass}");
    }
}

#[test]
fn the_quartic_peak_sits_on_the_event_with_the_kernels_height() {
    let extent = Extent::new(0.0, 0.0, 100.0, 100.0).unwrap();
    let grid = SquareGrid::over_extent(extent, 10.0).unwrap();
    // One event at the centre of cell (4, 4); nothing reaches cell (0, 0) within 20 m.
    let surface = kernel_density(&[45.0], &[45.0], &grid, Kernel::Quartic, 20.0).unwrap();
    let peak = 3.0 / std::f64::consts::PI / 400.0;
    assert!((surface.density[44] - peak).abs() < 1e-15);
    assert_eq!(surface.density[0], 0.0);
    let max = surface.density.iter().cloned().fold(0.0, f64::max);
    assert_eq!(max, surface.density[44]);
}
