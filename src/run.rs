//! Running many paths in parallel, with results that do not depend on the thread count.
//!
//! Paths are grouped in blocks of [`BLOCK`] consecutive path indices. Worker threads take
//! blocks in any order; every per-path number is stored at its path's position, every
//! floating-point sum is kept per block and added up in block order, and everything
//! else is an integer count. So 1 thread and 16 threads give the same digits, and a run
//! split into shards of whole blocks merges into exactly the unsplit run.

use crate::engine::{CutOutcome, PathOutcome, Scratch, YearOutcome, simulate_paths};
use crate::fan::{Fan, FanRecorder, Histogram};
use crate::model::Model;
use crate::rng::PATHS;
use crate::variant::{MAX_VARIANTS, UNINSURED};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A finished run with what made it: the validated scenario (its identity, seed,
/// horizon, currency, threshold and policy), the file it came from as the user named
/// it, and the result. Summary, charts, report, merge and every exporter take this.
#[derive(Debug, Clone)]
pub struct Run {
    /// The scenario simulated (stress case and flags applied).
    pub scenario: crate::scenario::Scenario,
    /// The scenario file as the user named it.
    pub file: String,
    /// What the paths produced.
    pub result: RunResult,
}

impl Run {
    /// The run of `scenario` (read from `file`) that produced `result`.
    pub fn new(scenario: crate::scenario::Scenario, file: &str, result: RunResult) -> Run {
        Run {
            scenario,
            file: file.to_string(),
            result,
        }
    }

    /// Number of paths simulated (with `--precision`, more than the scenario asked).
    pub fn paths(&self) -> u64 {
        self.result.paths()
    }

    /// The name of variant `v` as the results show it: "Uninsured", then each
    /// policy's (version 1: the policy of `[insurance]` is "Insured", MODEL.md
    /// section 14).
    pub fn variant_name(&self, v: usize) -> &str {
        match self.scenario.policies.get(v.wrapping_sub(1)) {
            _ if v == UNINSURED => "Uninsured",
            Some(policy) => &policy.name,
            None => "Insured",
        }
    }
}

/// Paths per block: the unit of work and of deterministic summation.
pub const BLOCK: u64 = 1024;

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Asks running simulations to stop after their current block (Ctrl-C).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// True once [`interrupt`] was called: a run that returns then is incomplete.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Floating-point sums of one block of one variant, added up in block order.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct BlockSums {
    /// Sum of premium paid (0 uninsured).
    pub premium_paid: f64,
    /// Sum of payouts received (0 uninsured).
    pub payouts_received: f64,
    /// Sum of credit loss net of payouts (the credit loss uninsured).
    pub net_credit_loss: f64,
    /// Sum of the insurer's share of later payments and recoveries (0 uninsured).
    pub paid_to_insurer: f64,
    /// Sum of interest charged on negative balances.
    pub interest_paid: f64,
    /// Sum of interest earned on positive balances.
    pub interest_earned: f64,
    /// Sum over paths of the mean open receivables over the days (MODEL.md 18).
    pub receivables: f64,
    /// Sum over paths of the mean borrowing base over the days (MODEL.md 18).
    pub borrowing_base: f64,
    /// Sum over paths of the amount this variant did not invoice within the horizon
    /// (stop_sales, MODEL.md section 16; 0 otherwise).
    pub unsold: f64,
    /// Sum over paths of what those sales would have added to the balance within the
    /// horizon (payments and recoveries less supplier costs).
    pub unsold_cash: f64,
}

impl BlockSums {
    /// Number of sums, in the order of [`BlockSums::to_array`].
    pub const LEN: usize = 10;

    /// The sums in a fixed order (the order of the partial file format).
    pub fn to_array(&self) -> [f64; Self::LEN] {
        [
            self.premium_paid,
            self.payouts_received,
            self.net_credit_loss,
            self.paid_to_insurer,
            self.interest_paid,
            self.interest_earned,
            self.receivables,
            self.borrowing_base,
            self.unsold,
            self.unsold_cash,
        ]
    }

    /// The sums from [`BlockSums::to_array`]'s order.
    pub fn from_array(a: [f64; Self::LEN]) -> BlockSums {
        let [
            premium_paid,
            payouts_received,
            net_credit_loss,
            paid_to_insurer,
            interest_paid,
            interest_earned,
            receivables,
            borrowing_base,
            unsold,
            unsold_cash,
        ] = a;
        BlockSums {
            premium_paid,
            payouts_received,
            net_credit_loss,
            paid_to_insurer,
            interest_paid,
            interest_earned,
            receivables,
            borrowing_base,
            unsold,
            unsold_cash,
        }
    }

    /// Adds one path's sums of variant `v` (`days` = H).
    fn add(&mut self, o: &PathOutcome, cut: &CutOutcome, v: usize, days: f64) {
        let policy = o.policy(v);
        self.premium_paid += policy.premium_paid;
        self.payouts_received += policy.payouts_received;
        self.net_credit_loss += policy.net_credit_loss;
        self.paid_to_insurer += policy.paid_to_insurer;
        self.interest_paid += o.interest_paid[v];
        self.interest_earned += o.interest_earned[v];
        self.receivables += o.open_days(&cut.unsold) / days;
        self.borrowing_base += o.borrowing_base[v] / days;
        self.unsold += cut.unsold.invoiced;
        self.unsold_cash += cut.unsold.cash;
    }

    /// The sums of a whole run from its blocks, added in block order.
    pub fn total(blocks: &[BlockSums]) -> BlockSums {
        let mut sum = [0.0; Self::LEN];
        for b in blocks {
            for (s, x) in sum.iter_mut().zip(b.to_array()) {
                *s += x;
            }
        }
        BlockSums::from_array(sum)
    }
}

/// Floating-point sums of one block of one variant in one policy year (MODEL.md
/// section 18, `by_year`), added up in block order like [`BlockSums`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct YearSums {
    /// Sum of deposits and cash premiums dated in the year (0 uninsured).
    pub premium_paid: f64,
    /// Sum of payouts dated in the year (0 uninsured).
    pub payouts_received: f64,
    /// Sum of the credit loss of the defaults in the year.
    pub credit_loss: f64,
}

impl YearSums {
    /// Number of sums, in the order of [`YearSums::to_array`].
    pub const LEN: usize = 3;

    /// The sums in a fixed order (the order of the partial file format).
    pub fn to_array(&self) -> [f64; Self::LEN] {
        [self.premium_paid, self.payouts_received, self.credit_loss]
    }

    /// The sums from [`YearSums::to_array`]'s order.
    pub fn from_array([premium_paid, payouts_received, credit_loss]: [f64; Self::LEN]) -> Self {
        YearSums {
            premium_paid,
            payouts_received,
            credit_loss,
        }
    }

    /// Adds one path's year of variant `v`.
    fn add(&mut self, year: &YearOutcome, v: usize) {
        self.premium_paid += year.premium_paid[v];
        self.payouts_received += year.payouts_received[v];
        self.credit_loss += year.credit_loss - year.unsold_loss[v];
    }
}

/// What a run keeps of one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct VariantResult {
    /// Minimum headroom per path.
    pub min_headroom: Vec<f64>,
    /// End balance per path.
    pub end_balance: Vec<f64>,
    /// Peak drawn per path: max over days of max(0, -B(t)) (MODEL.md section 18).
    pub peak_drawn: Vec<f64>,
    /// End position per path (MODEL.md section 18).
    pub end_position: Vec<f64>,
    /// DSO per path; -1 for a path with no invoice within the horizon (a DSO is never
    /// negative; not NaN, so that equal runs compare equal).
    pub dso: Vec<f64>,
    /// Sums per block, in block order.
    pub blocks: Vec<BlockSums>,
    /// Paths whose first shortfall falls on each day.
    pub shortfall_days: Vec<u64>,
    /// Number of claims over all paths (0 uninsured).
    pub claims: u64,
    /// Paths with a shortfall uninsured but not in this variant (0 uninsured).
    pub rescued: u64,
    /// Paths with a shortfall in this variant but not uninsured (0 uninsured).
    pub harmed: u64,
    /// Monitoring decisions before H over all paths, false alarms among them, and
    /// paths in a downturn (MODEL.md section 16; 0 without).
    pub decisions: u64,
    pub false_alarms: u64,
    pub downturns: u64,
    /// Distribution of the credit loss net of payouts (the credit loss uninsured).
    pub net_loss: Histogram,
    /// With H > 365, per policy year: the paths with a shortfall on some day of the
    /// year (MODEL.md section 18); empty otherwise.
    pub year_shortfalls: Vec<u64>,
    /// With H > 365, the sums of each block's paths per policy year, block by block
    /// (block j's years at j * years .. (j + 1) * years); empty otherwise.
    pub year_blocks: Vec<YearSums>,
    /// Credit loss per path of what this variant sold, when it differs from the run's
    /// (a policy with stop_sales, MODEL.md section 16); empty otherwise.
    pub credit_loss: Vec<f64>,
    /// Per path, 1 when the same path has a shortfall in this variant without the
    /// insurer's limit cuts (its policy's monitoring and downturn removed, MODEL.md
    /// section 16), else 0; empty unless the run's model has a policy with cuts.
    pub shortfall_without_cuts: Vec<u8>,
}

impl VariantResult {
    fn new(paths: usize, blocks: usize, horizon: usize, years: usize) -> VariantResult {
        VariantResult {
            min_headroom: vec![0.0; paths],
            end_balance: vec![0.0; paths],
            peak_drawn: vec![0.0; paths],
            end_position: vec![0.0; paths],
            dso: vec![0.0; paths],
            blocks: vec![BlockSums::default(); blocks],
            shortfall_days: vec![0; horizon],
            claims: 0,
            rescued: 0,
            harmed: 0,
            decisions: 0,
            false_alarms: 0,
            downturns: 0,
            net_loss: Histogram::default(),
            year_shortfalls: vec![0; years],
            year_blocks: vec![YearSums::default(); blocks * years],
            credit_loss: Vec::new(),
            shortfall_without_cuts: Vec::new(),
        }
    }

    /// Number of policy years reported one by one (0 when H <= 365).
    pub fn years(&self) -> usize {
        self.year_shortfalls.len()
    }

    /// The sums of the whole run per policy year, each added in block order.
    pub fn year_totals(&self) -> Vec<YearSums> {
        let years = self.years();
        (0..years)
            .map(|y| {
                let mut sum = [0.0; YearSums::LEN];
                for block in self.year_blocks.iter().skip(y).step_by(years) {
                    for (s, x) in sum.iter_mut().zip(block.to_array()) {
                        *s += x;
                    }
                }
                YearSums::from_array(sum)
            })
            .collect()
    }

    /// The per-path columns, in the order of the partial file format.
    pub fn columns(&self) -> [&Vec<f64>; Self::COLUMNS] {
        [
            &self.min_headroom,
            &self.end_balance,
            &self.peak_drawn,
            &self.end_position,
            &self.dso,
        ]
    }

    /// [`VariantResult::columns`], to fill.
    pub fn columns_mut(&mut self) -> [&mut Vec<f64>; Self::COLUMNS] {
        [
            &mut self.min_headroom,
            &mut self.end_balance,
            &mut self.peak_drawn,
            &mut self.end_position,
            &mut self.dso,
        ]
    }

    /// Number of per-path columns.
    pub const COLUMNS: usize = 5;

    /// Stores path `i`'s figures of variant `v` in the columns.
    fn store(&mut self, i: usize, o: &PathOutcome, cut: &CutOutcome, v: usize) {
        self.min_headroom[i] = o.min_headroom[v];
        self.end_balance[i] = o.end_balance[v];
        self.peak_drawn[i] = o.peak_drawn(v);
        self.end_position[i] = o.end_position(v, &cut.unsold);
        self.dso[i] = o.dso(&cut.unsold).unwrap_or(-1.0);
        if !self.credit_loss.is_empty() {
            self.credit_loss[i] = o.credit_loss(&cut.unsold);
        }
    }

    /// Adds the integer tallies of another worker or run.
    fn add_tallies(&mut self, other: &VariantResult) {
        for (a, b) in self.shortfall_days.iter_mut().zip(&other.shortfall_days) {
            *a += b;
        }
        self.claims += other.claims;
        self.rescued += other.rescued;
        self.harmed += other.harmed;
        self.decisions += other.decisions;
        self.false_alarms += other.false_alarms;
        self.downturns += other.downturns;
        self.net_loss.merge(&other.net_loss);
        for (a, b) in self.year_shortfalls.iter_mut().zip(&other.year_shortfalls) {
            *a += b;
        }
    }
}

/// Everything a run keeps: a few numbers per path and variant, per-block sums, and
/// counts. Variants are indexed as in [`crate::variant`]: uninsured first.
#[derive(Debug, Clone, PartialEq)]
pub struct RunResult {
    /// Index of the first path.
    pub first_path: u64,
    /// Credit loss per path (the same in every variant).
    pub credit_loss: Vec<f64>,
    /// Each variant, uninsured first.
    pub variants: Vec<VariantResult>,
    /// Per-day headroom histograms of every variant.
    pub fan: Fan,
    /// Per country (file order), the paths with a political event before H (MODEL.md
    /// section 18: `political_events`).
    pub political_events: Vec<u64>,
}

impl RunResult {
    /// Number of paths.
    pub fn paths(&self) -> u64 {
        self.credit_loss.len() as u64
    }

    /// Number of blocks.
    pub fn blocks(&self) -> usize {
        self.variants.first().map_or(0, |v| v.blocks.len())
    }

    /// Appends the run of the paths that follow this one (a later shard, or more
    /// blocks of a precision-controlled run). The result is exactly the run of both
    /// ranges at once: columns and block sums are concatenated in path order, counts
    /// added. Fails when `next` does not start where this run ends on a block boundary.
    pub fn append(&mut self, next: RunResult) -> Result<(), String> {
        let end = self.first_path + self.paths();
        if next.first_path != end {
            return Err(format!(
                "paths {}..{} do not follow paths {}..{}",
                next.first_path,
                next.first_path + next.paths(),
                self.first_path,
                end
            ));
        }
        if !self.paths().is_multiple_of(BLOCK) && next.paths() > 0 {
            return Err(format!(
                "the run of paths {}..{} does not end on a block of {BLOCK} paths",
                self.first_path, end
            ));
        }
        if self.fan.horizon != next.fan.horizon {
            return Err("the runs have different horizons".to_string());
        }
        if self.variants.len() != next.variants.len() {
            return Err("the runs have different variants".to_string());
        }
        for (mine, theirs) in self.variants.iter_mut().zip(&next.variants) {
            for (a, b) in mine.columns_mut().into_iter().zip(theirs.columns()) {
                a.extend_from_slice(b);
            }
            mine.blocks.extend_from_slice(&theirs.blocks);
            if mine.credit_loss.is_empty() != theirs.credit_loss.is_empty() && next.paths() > 0 {
                return Err("the runs differ in their variants' credit losses".to_string());
            }
            mine.credit_loss.extend_from_slice(&theirs.credit_loss);
            if mine.shortfall_without_cuts.is_empty() != theirs.shortfall_without_cuts.is_empty()
                && next.paths() > 0
            {
                return Err("the runs differ in their runs without limit cuts".to_string());
            }
            mine.shortfall_without_cuts
                .extend_from_slice(&theirs.shortfall_without_cuts);
            mine.year_blocks.extend_from_slice(&theirs.year_blocks);
            mine.add_tallies(theirs);
        }
        if self.political_events.len() != next.political_events.len() {
            return Err("the runs have different countries".to_string());
        }
        for (a, b) in self.political_events.iter_mut().zip(&next.political_events) {
            *a += b;
        }
        self.credit_loss.extend_from_slice(&next.credit_loss);
        self.fan.merge(&next.fan);
        Ok(())
    }
}

/// Per-worker integer tallies: each variant's counts (its columns and sums stay
/// empty), and the fan.
struct Tally {
    fan: FanRecorder,
    variants: Vec<VariantResult>,
    /// Paths with a political event, per country.
    political_events: Vec<u64>,
}

/// Simulates paths `first..first + count` of `model` on `threads` threads.
/// `progress` is called with the number of paths of each finished block.
pub fn run(
    model: &Model,
    first: u64,
    count: u64,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
) -> RunResult {
    let h = model.horizon as usize;
    let n = count as usize;
    let blocks = count.div_ceil(BLOCK) as usize;
    let variants = model.variants();
    let years = model.reported_years();
    let columns = Mutex::new(Columns {
        variants: (0..variants)
            .map(|v| {
                let mut column = VariantResult::new(n, blocks, 0, years);
                if model.sells_less(v) {
                    column.credit_loss = vec![0.0; n];
                }
                if model.without_cuts.is_some() && v != UNINSURED {
                    column.shortfall_without_cuts = vec![0; n];
                }
                column
            })
            .collect(),
        credit_loss: vec![0.0; n],
    });
    let next = AtomicUsize::new(0);
    let worker = || {
        let mut scratch = Scratch::new(model);
        // The same paths without the insurer's limit cuts (MODEL.md section 16).
        let mut without = model.without_cuts.as_deref().map(|m| (m, Scratch::new(m)));
        let mut short_without: Vec<[bool; MAX_VARIANTS]> = Vec::with_capacity(BLOCK as usize);
        // With cuts, what they did on each path of the block (empty otherwise).
        let mut cut_outcomes: Vec<[CutOutcome; MAX_VARIANTS]> = Vec::new();
        let none = [CutOutcome::default(); MAX_VARIANTS];
        let has_cuts = model.has_cuts();
        let mut tally = Tally {
            fan: FanRecorder::new(h, variants),
            variants: (0..variants)
                .map(|_| VariantResult::new(0, 0, h, years))
                .collect(),
            political_events: vec![0; model.countries.len()],
        };
        // This block's sums per variant and year (variant-major).
        let mut year_sums = vec![YearSums::default(); variants * years];
        let mut outcomes: Vec<PathOutcome> = Vec::with_capacity(BLOCK as usize);
        loop {
            let j = next.fetch_add(1, Ordering::Relaxed);
            if j >= blocks || interrupted() {
                break;
            }
            let start = j as u64 * BLOCK;
            let end = (start + BLOCK).min(count);
            outcomes.clear();
            short_without.clear();
            cut_outcomes.clear();
            let mut sums = [BlockSums::default(); MAX_VARIANTS];
            year_sums.fill(YearSums::default());
            // PATHS paths at a time, one per lane.
            for k in (start..end).step_by(PATHS) {
                let n = (end - k).min(PATHS as u64) as usize;
                let paths: [u64; PATHS] = std::array::from_fn(|p| first.wrapping_add(k + p as u64));
                let simulated = simulate_paths(model, &paths[..n], &mut scratch, &mut tally.fan);
                if let Some((m, scratch)) = &mut without {
                    let o = simulate_paths(m, &paths[..n], scratch, &mut crate::engine::NoObserver);
                    for o in o.iter().take(n) {
                        short_without.push(o.shortfall_day.map(|d| d.is_some()));
                    }
                }
                for (p, o) in simulated.into_iter().take(n).enumerate() {
                    for (c, events) in tally.political_events.iter_mut().enumerate() {
                        *events += (o.political_events >> c) & 1;
                    }
                    for (y, year) in scratch.years(p).enumerate() {
                        for (v, t) in tally.variants.iter_mut().enumerate() {
                            t.year_shortfalls[y] += year.shortfall[v] as u64;
                            year_sums[v * years + y].add(year, v);
                        }
                    }
                    // Without cuts every path shares `none`: nothing is copied per path.
                    if has_cuts {
                        cut_outcomes.push(std::array::from_fn(|v| scratch.cuts(p, v)));
                    }
                    let cuts = cut_outcomes.last().filter(|_| has_cuts).unwrap_or(&none);
                    for (v, t) in tally.variants.iter_mut().enumerate() {
                        if let Some(d) = o.shortfall_day[v] {
                            t.shortfall_days[d as usize] += 1;
                        }
                        sums[v].add(&o, &cuts[v], v, h as f64);
                        let policy = o.policy(v);
                        t.claims += policy.claims as u64;
                        t.decisions += cuts[v].decisions as u64;
                        t.false_alarms += cuts[v].false_alarms as u64;
                        t.downturns += cuts[v].downturn as u64;
                        t.net_loss.add(policy.net_credit_loss);
                        if v != UNINSURED {
                            match (o.shortfall_day[UNINSURED], o.shortfall_day[v]) {
                                (Some(_), None) => t.rescued += 1,
                                (None, Some(_)) => t.harmed += 1,
                                _ => {}
                            }
                        }
                    }
                    outcomes.push(o);
                }
            }
            {
                let mut c = columns.lock().unwrap_or_else(|e| e.into_inner());
                let (s, e) = (start as usize, end as usize);
                for (i, o) in outcomes.iter().enumerate() {
                    let cuts = cut_outcomes.get(i).unwrap_or(&none);
                    for (v, column) in c.variants.iter_mut().enumerate() {
                        column.store(s + i, o, &cuts[v], v);
                        if let Some(short) = short_without.get(i)
                            && !column.shortfall_without_cuts.is_empty()
                        {
                            column.shortfall_without_cuts[s + i] = short[v] as u8;
                        }
                    }
                    c.credit_loss[s + i] = o.credit_loss;
                }
                debug_assert_eq!(s + outcomes.len(), e);
                for (v, column) in c.variants.iter_mut().enumerate() {
                    column.blocks[j] = sums[v];
                    column.year_blocks[j * years..(j + 1) * years]
                        .copy_from_slice(&year_sums[v * years..(v + 1) * years]);
                }
            }
            progress(end - start);
        }
        tally
    };

    let tallies: Vec<Tally> = if threads <= 1 {
        vec![worker()]
    } else {
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.broadcast(|_| worker()),
            // Without a pool (the OS refused threads) run on this thread: same numbers.
            Err(_) => vec![worker()],
        }
    };

    let mut columns = columns.into_inner().unwrap_or_else(|e| e.into_inner());
    let mut tallies = tallies.into_iter();
    let first_tally = tallies.next().expect("at least one worker ran");
    let mut fan = first_tally.fan.finish();
    let mut total = first_tally.variants;
    let mut political_events = first_tally.political_events;
    for t in tallies {
        fan.merge(&t.fan.finish());
        for (a, b) in total.iter_mut().zip(&t.variants) {
            a.add_tallies(b);
        }
        for (a, b) in political_events.iter_mut().zip(&t.political_events) {
            *a += b;
        }
    }
    for (column, t) in columns.variants.iter_mut().zip(total) {
        column.shortfall_days = t.shortfall_days;
        column.claims = t.claims;
        column.rescued = t.rescued;
        column.harmed = t.harmed;
        column.decisions = t.decisions;
        column.false_alarms = t.false_alarms;
        column.downturns = t.downturns;
        column.net_loss = t.net_loss;
        column.year_shortfalls = t.year_shortfalls;
    }
    RunResult {
        first_path: first,
        credit_loss: columns.credit_loss,
        variants: columns.variants,
        fan,
        political_events,
    }
}

struct Columns {
    variants: Vec<VariantResult>,
    credit_loss: Vec<f64>,
}
