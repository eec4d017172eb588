//! `fengqiao analyze …`: the statistics of the analytics crate on a CSV file, without
//! a database. Columns are picked by name; every value of a picked column must be a
//! finite number, or the command stops with one line naming the file, the row and
//! the column. Rows count the data rows from 1 (the header is not a row); the line
//! number in the file is given too.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use fengqiao_analytics::{
    Extent, GiStarOptions, Kernel, KnoxBands, KnoxParams, SquareGrid, gi_star_points,
    kernel_density, knox, knox_bands, knox_local,
};
use serde_json::json;

/// `analyze` subcommands.
#[derive(Debug, Subcommand)]
pub enum AnalyzeCommand {
    /// Knox near-repeat test (近重复): prints JSON with nst, ns, nt, pairs,
    /// expected_nst, p_poisson and p_sim. Both limits are inclusive.
    Knox(KnoxArgs),
    /// Getis–Ord Gi* hotspots on a square grid: prints CSV `cell,ix,iy,count,z,p`.
    Gistar(GiStarArgs),
    /// Kernel density surface on a square grid: prints CSV `cell,ix,iy,x,y,density`.
    Kde(KdeArgs),
}

/// The input file and its coordinate columns.
#[derive(Debug, Args)]
pub struct PointColumns {
    /// CSV file with a header row.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// Column of planar x coordinates (metres east).
    #[arg(long, value_name = "COLUMN")]
    pub x: String,
    /// Column of planar y coordinates (metres north).
    #[arg(long, value_name = "COLUMN")]
    pub y: String,
}

/// Options of `analyze knox`.
#[derive(Debug, Args)]
pub struct KnoxArgs {
    #[command(flatten)]
    pub points: PointColumns,
    /// Column of times (any unit, e.g. days).
    #[arg(long, value_name = "COLUMN")]
    pub t: String,
    /// Pairs at most this far apart are close in space (inclusive), in the x/y unit.
    #[arg(long)]
    pub distance: f64,
    /// Pairs at most this far apart in time are close in time (inclusive), in the t unit.
    #[arg(long)]
    pub time: f64,
    /// Random permutations of the times for p_sim (0 for none).
    #[arg(long, default_value_t = 99)]
    pub permutations: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Add the Near Repeat Calculator's distance × time band table under "bands".
    #[arg(long)]
    pub bands: bool,
    /// Number of equal bands (multiples of --distance and --time) for --bands.
    #[arg(long, default_value_t = 5)]
    pub band_count: usize,
    /// Upper edges of the distance bands for --bands, e.g. 100,200,400 (overrides
    /// --band-count for distance).
    #[arg(long, value_delimiter = ',', value_name = "EDGES")]
    pub distance_bands: Option<Vec<f64>>,
    /// Upper edges of the time bands for --bands, e.g. 7,14,30.
    #[arg(long, value_delimiter = ',', value_name = "EDGES")]
    pub time_bands: Option<Vec<f64>>,
    /// Add the per-event statistic under "local" (arrays in input row order).
    #[arg(long)]
    pub local: bool,
}

/// Options of `analyze gistar`.
#[derive(Debug, Args)]
pub struct GiStarArgs {
    #[command(flatten)]
    pub points: PointColumns,
    /// Side of a grid cell, in the x/y unit.
    #[arg(long, default_value_t = 250.0)]
    pub cell: f64,
    /// Grid extent `minx,miny,maxx,maxy`. Without it the grid starts at the smallest x
    /// and y and has floor((max − min) / cell) + 1 columns and rows; cells are
    /// half-open, so a point on a boundary goes to the cell east or north of it. With
    /// it there are ceil((max − min) / cell) columns and rows, the grid's east and
    /// north edges are closed, and points outside are left out (counted on stderr).
    #[arg(long, value_parser = parse_extent, allow_hyphen_values = true, value_name = "MINX,MINY,MAXX,MAXY")]
    pub extent: Option<Extent>,
    /// Conditional permutations; with them `p` is esda's one-sided pseudo p-value
    /// (p_sim), without them the one-sided normal p-value P(Z > |z|) (esda's p_norm).
    #[arg(long, default_value_t = 0)]
    pub permutations: usize,
    /// Seed of the permutations.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Options of `analyze kde`.
#[derive(Debug, Args)]
pub struct KdeArgs {
    #[command(flatten)]
    pub points: PointColumns,
    /// Side of a raster cell, in the x/y unit.
    #[arg(long, default_value_t = 100.0)]
    pub cell: f64,
    /// Kernel bandwidth, in the x/y unit.
    #[arg(long)]
    pub bandwidth: f64,
    /// Kernel shape.
    #[arg(long, value_enum, default_value_t = KernelChoice::Quartic)]
    pub kernel: KernelChoice,
    /// Raster extent `minx,miny,maxx,maxy`; by default the points' bounding box
    /// grown by one bandwidth on every side.
    #[arg(long, value_parser = parse_extent, allow_hyphen_values = true, value_name = "MINX,MINY,MAXX,MAXY")]
    pub extent: Option<Extent>,
}

/// Kernel shapes on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KernelChoice {
    /// Quartic (biweight), zero beyond the bandwidth.
    Quartic,
    /// Gaussian, the bandwidth as standard deviation.
    Gaussian,
}

/// Runs an `analyze` subcommand.
pub fn run(command: AnalyzeCommand) -> anyhow::Result<ExitCode> {
    match command {
        AnalyzeCommand::Knox(args) => run_knox(&args),
        AnalyzeCommand::Gistar(args) => run_gistar(&args),
        AnalyzeCommand::Kde(args) => run_kde(&args),
    }?;
    Ok(ExitCode::SUCCESS)
}

fn run_knox(args: &KnoxArgs) -> anyhow::Result<()> {
    let points = &args.points;
    let columns = read_columns(&points.input, &[&points.x, &points.y, &args.t])?;
    let (x, y, t) = (&columns[0], &columns[1], &columns[2]);
    let params = KnoxParams {
        distance: args.distance,
        time: args.time,
        permutations: args.permutations,
        seed: args.seed,
    };
    let result = knox(x, y, t, params)?;
    let mut output = serde_json::to_value(&result)?;
    output["distance"] = json!(args.distance);
    output["time"] = json!(args.time);
    output["seed"] = json!(args.seed);
    if args.bands {
        let equal = KnoxBands::equal(
            args.distance,
            args.time,
            args.band_count,
            args.permutations,
            args.seed,
        );
        let bands = KnoxBands {
            distance_edges: args.distance_bands.clone().unwrap_or(equal.distance_edges),
            time_edges: args.time_bands.clone().unwrap_or(equal.time_edges),
            ..equal
        };
        output["bands"] = serde_json::to_value(knox_bands(x, y, t, &bands)?)?;
    }
    if args.local {
        output["local"] = serde_json::to_value(knox_local(x, y, t, params)?)?;
    }
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer(&mut stdout, &output)?;
    writeln!(stdout)?;
    Ok(())
}

fn run_gistar(args: &GiStarArgs) -> anyhow::Result<()> {
    let points = &args.points;
    let columns = read_columns(&points.input, &[&points.x, &points.y])?;
    let (x, y) = (&columns[0], &columns[1]);
    let grid = match &args.extent {
        Some(extent) => SquareGrid::over_extent(*extent, args.cell)?,
        None => SquareGrid::covering(x, y, args.cell)?,
    };
    let options = GiStarOptions {
        permutations: args.permutations,
        seed: args.seed,
    };
    let (result, outside) = gi_star_points(x, y, &grid, options)?;
    if outside > 0 {
        eprintln!("note: {outside} point(s) outside the extent were left out");
    }
    let p = result.p_sim.as_ref().unwrap_or(&result.p_norm);
    let mut out = String::with_capacity(result.z.len() * 48);
    out.push_str("cell,ix,iy,count,z,p\n");
    for (cell, ((count, z), p)) in result.values.iter().zip(&result.z).zip(p).enumerate() {
        let (ix, iy) = grid.position(cell);
        writeln!(out, "{cell},{ix},{iy},{count},{z},{p}")?;
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}

fn run_kde(args: &KdeArgs) -> anyhow::Result<()> {
    let points = &args.points;
    let columns = read_columns(&points.input, &[&points.x, &points.y])?;
    let (x, y) = (&columns[0], &columns[1]);
    let extent = match &args.extent {
        Some(extent) => *extent,
        None => {
            let (lo_x, hi_x) = bounds(x);
            let (lo_y, hi_y) = bounds(y);
            let h = args.bandwidth;
            Extent::new(lo_x - h, lo_y - h, hi_x + h, hi_y + h)?
        }
    };
    let grid = SquareGrid::over_extent(extent, args.cell)?;
    let kernel = match args.kernel {
        KernelChoice::Quartic => Kernel::Quartic,
        KernelChoice::Gaussian => Kernel::Gaussian,
    };
    let surface = kernel_density(x, y, &grid, kernel, args.bandwidth)?;
    let mut out = String::with_capacity(surface.density.len() * 48);
    out.push_str("cell,ix,iy,x,y,density\n");
    for (cell, density) in surface.density.iter().enumerate() {
        let (ix, iy) = grid.position(cell);
        let (cx, cy) = grid.centre(ix, iy);
        writeln!(out, "{cell},{ix},{iy},{cx},{cy},{density}")?;
    }
    std::io::stdout().lock().write_all(out.as_bytes())?;
    Ok(())
}

/// Parses `minx,miny,maxx,maxy`.
fn parse_extent(text: &str) -> Result<Extent, String> {
    let values: Vec<f64> = text
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .map_err(|_| format!("{v:?} is not a number"))
        })
        .collect::<Result<_, _>>()?;
    match values[..] {
        [min_x, min_y, max_x, max_y] => {
            Extent::new(min_x, min_y, max_x, max_y).map_err(|e| e.to_string())
        }
        _ => Err(format!("four numbers are needed, got {}", values.len())),
    }
}

fn bounds(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Reads the named columns of a CSV file as finite numbers, refusing the first bad
/// value with its file, row and column.
fn read_columns(path: &Path, names: &[&str]) -> anyhow::Result<Vec<Vec<f64>>> {
    let file = path.display();
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .with_context(|| format!("{file}: cannot open"))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{file}: cannot read the header row"))?
        .clone();
    if headers.is_empty() {
        bail!("{file}: the file is empty (no header row)");
    }
    let mut indices = Vec::with_capacity(names.len());
    for name in names {
        match headers.iter().position(|h| h == *name) {
            Some(index) => indices.push(index),
            None => bail!(
                "{file}: no column named {name:?} (columns: {})",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        }
    }
    let mut columns = vec![Vec::new(); names.len()];
    let mut record = csv::StringRecord::new();
    let mut row = 0usize;
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => bail!("{file}: row {} (line {}): {error}", row + 1, row + 2),
        }
        row += 1;
        for ((column, &index), name) in columns.iter_mut().zip(&indices).zip(names) {
            let text = record.get(index).unwrap_or("");
            match text.parse::<f64>() {
                Ok(value) if value.is_finite() => column.push(value),
                _ => bail!(
                    "{file}: row {row} (line {}), column {name}: {text:?} is not a finite number",
                    row + 1
                ),
            }
        }
    }
    if row == 0 {
        bail!("{file}: no data rows after the header");
    }
    Ok(columns)
}
