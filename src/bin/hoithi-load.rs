//! hoithi-load — rehearses a contest against any hoithi deployment: simulated
//! participants register, start a paper, answer every question (changing some
//! answers), reload once, submit with a prediction, and some take a second
//! attempt. Reports per endpoint requests, errors by status, throughput and
//! p50/p90/p99/max latency, the /healthz rate for comparison, and afterwards
//! checks through the API that every acknowledged answer and submission is
//! stored (lost answers must be zero).
//!
//! Only use it against servers you run: it sends real traffic.

#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use hdrhistogram::Histogram;
use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::{json, Value};

/// The server's allocator: with glibc's, malloc/free were a fifth of the
/// generator's CPU, taken from the server it shares the cores with.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Clone)]
#[command(
    name = "hoithi-load",
    about = "Load generator for hoithi contests (use only against your own servers)"
)]
struct Args {
    /// Base URL of a hoithi instance; repeat to spread requests over several instances.
    #[arg(long, required = true)]
    url: Vec<String>,
    /// Contest slug.
    #[arg(long, default_value = "dvc-2023")]
    contest: String,
    /// Simulated participants.
    #[arg(long, default_value_t = 200)]
    participants: usize,
    /// Seconds over which participants start (all within this window).
    #[arg(long, default_value_t = 10.0)]
    ramp: f64,
    /// Think time between answers, in milliseconds (0 for throughput runs).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Share of participants who take a second attempt.
    #[arg(long, default_value_t = 0.2)]
    second_attempt: f64,
    /// Share of answers changed once after being saved.
    #[arg(long, default_value_t = 0.1)]
    change: f64,
    /// Seconds of /healthz-only load measured before the run (0: skip).
    #[arg(long, default_value_t = 3.0)]
    healthz_seconds: f64,
    /// Concurrent connections for the /healthz measurement.
    #[arg(long, default_value_t = 64)]
    healthz_concurrency: usize,
    /// First digits of the generated phone numbers (vary per run to start fresh).
    #[arg(long, default_value = "090")]
    phone_prefix: String,
    /// A fault rehearsal: 503s (each retried after its Retry-After) do not
    /// fail the run; any other error or a lost answer still does.
    #[arg(long)]
    allow_503: bool,
    /// Server process id: report its peak memory (VmHWM) and the CPU time
    /// it used during the run, per operation.
    #[arg(long)]
    server_pid: Vec<u32>,
    /// Connections reading the top-100 board and the unit board of the open
    /// round, one after the other, for as long as the participants run.
    #[arg(long, default_value_t = 0)]
    board_readers: usize,
    /// With `--participants 0`: how long the board readers read, in seconds.
    #[arg(long, default_value_t = 10.0)]
    board_seconds: f64,
    /// After the run, this many fresh participants go through the journey
    /// one kind of request at a time (all register, then all start, save,
    /// reload, submit, then as many board reads), and the CPU the server
    /// (`--server-pid`) and every `--cpu-of` process used is reported per
    /// kind. 0: no probe.
    #[arg(long, default_value_t = 0)]
    cost_probe: usize,
    /// Connections the cost probe uses.
    #[arg(long, default_value_t = 32)]
    cost_concurrency: usize,
    /// Also measure the CPU of every local process with this name (e.g.
    /// `postgres`): over the run, charged to the saves, and per probed kind.
    #[arg(long)]
    cpu_of: Vec<String>,
}

struct Stats {
    origin: Instant,
    by_endpoint: BTreeMap<&'static str, Endpoint>,
}

impl Default for Stats {
    fn default() -> Self {
        Stats {
            origin: Instant::now(),
            by_endpoint: BTreeMap::new(),
        }
    }
}

struct Endpoint {
    latency_us: Histogram<u64>,
    statuses: BTreeMap<u16, u64>,
    /// Completions per second since the run began.
    per_second: BTreeMap<u64, u64>,
}

impl Default for Endpoint {
    fn default() -> Self {
        Endpoint {
            // Constant bounds that hdrhistogram accepts (1 µs to 60 s, 3 digits).
            #[allow(clippy::expect_used)]
            latency_us: Histogram::new_with_bounds(1, 60_000_000, 3).expect("histogram bounds"),
            statuses: BTreeMap::new(),
            per_second: BTreeMap::new(),
        }
    }
}

impl Endpoint {
    /// The sustained rate: the median of the whole seconds in which this
    /// endpoint was busy (the first and last, partial, seconds left out).
    fn sustained(&self) -> Option<f64> {
        let (first, last) = (
            *self.per_second.keys().next()?,
            *self.per_second.keys().last()?,
        );
        if last < first + 2 {
            return None;
        }
        let mut counts: Vec<u64> = (first + 1..last)
            .map(|s| self.per_second.get(&s).copied().unwrap_or(0))
            .collect();
        counts.sort_unstable();
        Some(counts[counts.len() / 2] as f64)
    }
}

type Shared = Arc<Mutex<Stats>>;

fn record(stats: &Shared, name: &'static str, started: Instant, status: u16) {
    let us = started.elapsed().as_micros().clamp(1, 60_000_000) as u64;
    let mut s = stats.lock().unwrap_or_else(|p| p.into_inner());
    let second = s.origin.elapsed().as_secs();
    let e = s.by_endpoint.entry(name).or_default();
    let _ = e.latency_us.record(us);
    *e.statuses.entry(status).or_default() += 1;
    *e.per_second.entry(second).or_default() += 1;
}

/// A 503 is sent again this many times, after its `Retry-After` (as the
/// participant's page does), before the call counts as failed.
const RETRIES_AFTER_503: u32 = 10;

/// One HTTP call, timed and recorded; status 0 means a transport error.
/// Every response is recorded, so a 503 that was retried still shows.
async fn call(
    stats: &Shared,
    name: &'static str,
    req: reqwest::RequestBuilder,
) -> (u16, Option<Value>) {
    let mut next = Some(req);
    let mut tries = 0;
    while let Some(req) = next.take() {
        let again = req.try_clone();
        let t = Instant::now();
        match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let wait = r
                    .headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(1)
                    .clamp(1, 10);
                // A board is read whole but not parsed: the generator's own
                // JSON work would otherwise limit the rate it measures.
                let bytes = r.bytes().await.ok();
                let body = bytes
                    .filter(|_| !name.starts_with("board"))
                    .and_then(|b| serde_json::from_slice(&b).ok());
                record(stats, name, t, status);
                if status == 503 && tries < RETRIES_AFTER_503 && again.is_some() {
                    tries += 1;
                    tokio::time::sleep(Duration::from_secs(wait)).await;
                    next = again;
                    continue;
                }
                return (status, body);
            }
            Err(_) => {
                record(stats, name, t, 0);
                return (0, None);
            }
        }
    }
    (0, None)
}

/// What the server acknowledged for one attempt: position → keys.
struct Acked {
    token: String,
    base: String,
    attempt_id: String,
    answers: HashMap<i64, Value>,
    submitted: bool,
}

/// Where one simulated participant sends its requests, and where they are
/// recorded.
#[derive(Clone)]
struct Target {
    client: reqwest::Client,
    stats: Shared,
    base: String,
    slug: String,
}

/// A started paper: the attempt and each question's position and option keys.
struct Paper {
    id: String,
    questions: Vec<(i64, Vec<String>)>,
}

impl Target {
    fn new(args: &Args, i: usize, client: &reqwest::Client, stats: &Shared) -> Target {
        Target {
            client: client.clone(),
            stats: stats.clone(),
            base: args.url[i % args.url.len()]
                .trim_end_matches('/')
                .to_string(),
            slug: args.contest.clone(),
        }
    }

    /// Registers participant `i`; its token.
    async fn register(&self, args: &Args, units: &[String], i: usize) -> Option<String> {
        let phone = format!(
            "{}{:0width$}",
            args.phone_prefix,
            i,
            width = 10usize.saturating_sub(args.phone_prefix.len())
        );
        let unit = units
            .get(i % units.len().max(1))
            .cloned()
            .unwrap_or_default();
        let body = json!({
            "full_name": format!("Thí sinh thử tải {i}"), "birth_date": "2000-01-15", "phone": phone,
            "unit_code": unit, "category": if i.is_multiple_of(3) { "thanh_nien" } else { "doan_vien" }, "consent": true
        });
        let (status, reg) = call(
            &self.stats,
            "register",
            self.client
                .post(format!(
                    "{}/api/v1/contests/{}/participants",
                    self.base, self.slug
                ))
                .json(&body),
        )
        .await;
        reg.filter(|_| status == 200 || status == 201)
            .and_then(|v| v["token"].as_str().map(str::to_string))
    }

    async fn start(&self, token: &str) -> Option<Paper> {
        let (status, started) = call(
            &self.stats,
            "start",
            self.client
                .post(format!(
                    "{}/api/v1/contests/{}/attempts",
                    self.base, self.slug
                ))
                .bearer_auth(token)
                .json(&json!({})),
        )
        .await;
        let paper = started.filter(|_| status == 201)?;
        let questions = paper["questions"]
            .as_array()
            .map(|qs| {
                qs.iter()
                    .map(|q| {
                        let keys = q["options"]
                            .as_array()
                            .map(|o| {
                                o.iter()
                                    .filter_map(|x| x["key"].as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default();
                        (q["position"].as_i64().unwrap_or(0), keys)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Paper {
            id: paper["attempt_id"].as_str().unwrap_or_default().to_string(),
            questions,
        })
    }

    /// Saves one answer; whether the server acknowledged it (204).
    async fn save(&self, token: &str, attempt: &str, position: i64, answer: &Value) -> bool {
        let (status, _) = call(
            &self.stats,
            "save answer",
            self.client
                .put(format!(
                    "{}/api/v1/attempts/{attempt}/answers/{position}",
                    self.base
                ))
                .bearer_auth(token)
                .json(answer),
        )
        .await;
        status == 204
    }

    async fn reload(&self, token: &str, attempt: &str) {
        call(
            &self.stats,
            "reload attempt",
            self.client
                .get(format!("{}/api/v1/attempts/{attempt}", self.base))
                .bearer_auth(token),
        )
        .await;
    }

    /// Submits with a random prediction; whether the server took it.
    async fn submit(&self, token: &str, attempt: &str) -> bool {
        let prediction = rand::rng().random_range(0..50);
        let (status, _) = call(
            &self.stats,
            "submit",
            self.client
                .post(format!("{}/api/v1/attempts/{attempt}/submit", self.base))
                .bearer_auth(token)
                .json(&json!({ "prediction": prediction })),
        )
        .await;
        status == 200
    }

    /// Reads the top-100 board (`top`) or the unit board of a round.
    async fn board(&self, round: i64, top: bool) {
        let (name, path) = if top {
            ("board top-100", "leaderboard?limit=100")
        } else {
            ("board units", "units")
        };
        let url = format!(
            "{}/api/v1/contests/{}/rounds/{round}/{path}",
            self.base, self.slug
        );
        call(&self.stats, name, self.client.get(url)).await;
    }
}

/// An answer to a question as the API takes it: a random option key, or
/// for a question without options (typed, free-text survey) the text "1"
/// (a number, so a numeric question takes it too).
fn any_answer(keys: &[String]) -> Value {
    match keys.choose(&mut rand::rng()) {
        Some(k) => json!({ "choices": [k] }),
        None => json!({ "text": "1" }),
    }
}

async fn participant(
    i: usize,
    args: Arc<Args>,
    units: Arc<Vec<String>>,
    client: reqwest::Client,
    stats: Shared,
) -> Vec<Acked> {
    let target = Target::new(&args, i, &client, &stats);
    let Some(token) = target.register(&args, &units, i).await else {
        return vec![];
    };
    let attempts = if rand::rng().random_bool(args.second_attempt.clamp(0.0, 1.0)) {
        2
    } else {
        1
    };
    let mut out = Vec::new();
    for _ in 0..attempts {
        let Some(paper) = target.start(&token).await else {
            break;
        };
        let mut acked = Acked {
            token: token.clone(),
            base: target.base.clone(),
            attempt_id: paper.id.clone(),
            answers: HashMap::new(),
            submitted: false,
        };
        for (n, (pos, keys)) in paper.questions.iter().enumerate() {
            let times = if rand::rng().random_bool(args.change.clamp(0.0, 1.0)) {
                2
            } else {
                1
            };
            for _ in 0..times {
                let answer = any_answer(keys);
                if target.save(&token, &paper.id, *pos, &answer).await {
                    acked.answers.insert(*pos, answer);
                }
                if args.think_ms > 0 {
                    tokio::time::sleep(Duration::from_millis(args.think_ms)).await;
                }
            }
            if n == paper.questions.len() / 2 {
                target.reload(&token, &paper.id).await;
            }
        }
        acked.submitted = target.submit(&token, &paper.id).await;
        out.push(acked);
    }
    out
}

/// Requests per second of /healthz alone, with `concurrency` loops.
async fn healthz_rate(args: &Args, client: &reqwest::Client) -> f64 {
    if args.healthz_seconds <= 0.0 {
        return 0.0;
    }
    let done = Arc::new(AtomicUsize::new(0));
    let until = Instant::now() + Duration::from_secs_f64(args.healthz_seconds);
    let mut tasks = Vec::new();
    for i in 0..args.healthz_concurrency {
        let (client, done, url) = (
            client.clone(),
            done.clone(),
            format!(
                "{}/healthz",
                args.url[i % args.url.len()].trim_end_matches('/')
            ),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < until {
                if let Ok(r) = client.get(&url).send().await {
                    if r.status().is_success() && r.bytes().await.is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        }));
    }
    let t = Instant::now();
    for task in tasks {
        let _ = task.await;
    }
    done.load(Ordering::Relaxed) as f64 / t.elapsed().as_secs_f64()
}

/// The board readers: each reads the top-100 board, then the unit board,
/// until `stop`.
fn board_readers(
    args: &Args,
    client: &reqwest::Client,
    round: i64,
    stats: &Shared,
    stop: &Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..args.board_readers)
        .map(|i| {
            let target = Target::new(args, i, client, stats);
            let stop = stop.clone();
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    target.board(round, true).await;
                    target.board(round, false).await;
                }
            })
        })
        .collect()
}

/// Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on Linux).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

/// CPU seconds (user + system) a process has used so far.
fn cpu_seconds(pid: u32, ticks: f64) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 here.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / ticks)
}

/// CPU seconds used so far by every process whose command name is `name`.
fn cpu_seconds_of(name: &str, ticks: f64) -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim_end() == name)
        })
        .filter_map(|pid| cpu_seconds(pid, ticks))
        .sum()
}

/// CPU seconds so far: the server processes together, then each `--cpu-of`.
#[derive(Clone)]
struct CpuSnapshot {
    server: Option<f64>,
    others: Vec<f64>,
}

impl CpuSnapshot {
    fn now(args: &Args, ticks: f64) -> CpuSnapshot {
        let server = if args.server_pid.is_empty() {
            None
        } else {
            args.server_pid
                .iter()
                .map(|p| cpu_seconds(*p, ticks))
                .sum::<Option<f64>>()
        };
        CpuSnapshot {
            server,
            others: args
                .cpu_of
                .iter()
                .map(|n| cpu_seconds_of(n, ticks))
                .collect(),
        }
    }

    /// The CPU used since `before`, in the same shape.
    fn since(&self, before: &CpuSnapshot) -> CpuSnapshot {
        CpuSnapshot {
            server: self.server.zip(before.server).map(|(a, b)| a - b),
            others: self
                .others
                .iter()
                .zip(&before.others)
                .map(|(a, b)| a - b)
                .collect(),
        }
    }
}

/// Runs `f` on every item with at most `concurrency` at once; the results
/// of the calls that did not panic, in no particular order.
async fn in_parallel<T, R, F, Fut>(items: Vec<T>, concurrency: usize, f: F) -> Vec<R>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(T) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = R> + Send,
{
    let gate = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let tasks: Vec<_> = items
        .into_iter()
        .map(|item| {
            let (gate, f) = (gate.clone(), f.clone());
            tokio::spawn(async move {
                let _permit = gate.acquire_owned().await.ok();
                f(item).await
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        if let Ok(r) = t.await {
            out.push(r);
        }
    }
    out
}

/// One kind of request measured by the cost probe.
struct ProbeRow {
    name: &'static str,
    cpu: CpuSnapshot,
}

/// The cost probe (`--cost-probe N`): N fresh participants go through the
/// journey one kind of request at a time, so the CPU used in each phase is
/// that kind's alone. Prints a table and "server CPU per save: …"; returns
/// the requests that failed.
async fn cost_probe(
    args: &Arc<Args>,
    units: &Arc<Vec<String>>,
    client: &reqwest::Client,
    round: i64,
    ticks: f64,
) -> u64 {
    let n = args.cost_probe;
    let c = args.cost_concurrency;
    let stats: Shared = Arc::default();
    let mut rows: Vec<ProbeRow> = Vec::new();
    let mut measure = |name: &'static str, before: CpuSnapshot| {
        rows.push(ProbeRow {
            name,
            cpu: CpuSnapshot::now(args, ticks).since(&before),
        })
    };
    // Indices after the run's, so the phones are new.
    let people: Vec<(Target, usize)> = (args.participants..args.participants + n)
        .map(|i| (Target::new(args, i, client, &stats), i))
        .collect();
    let before = CpuSnapshot::now(args, ticks);
    let (a, u) = (args.clone(), units.clone());
    let registered = in_parallel(people, c, move |(t, i)| {
        let (a, u) = (a.clone(), u.clone());
        async move { Some((t.register(&a, &u, i).await?, t)) }
    })
    .await;
    measure("register", before);
    let before = CpuSnapshot::now(args, ticks);
    let started = in_parallel(
        registered.into_iter().flatten().collect(),
        c,
        |(token, t)| async move {
            let paper = t.start(&token).await?;
            Some((Arc::new((t, token, paper.id)), paper.questions))
        },
    )
    .await;
    measure("start", before);
    let attempts: Vec<_> = started.iter().flatten().map(|(a, _)| a.clone()).collect();
    let saves: Vec<_> = started
        .into_iter()
        .flatten()
        .flat_map(|(a, qs)| {
            qs.into_iter()
                .map(move |(pos, keys)| (a.clone(), pos, any_answer(&keys)))
        })
        .collect();
    let before = CpuSnapshot::now(args, ticks);
    in_parallel(saves, c, |(a, pos, answer)| async move {
        let (t, token, id) = &*a;
        t.save(token, id, pos, &answer).await
    })
    .await;
    measure("save answer", before);
    let before = CpuSnapshot::now(args, ticks);
    in_parallel(attempts.clone(), c, |a| async move {
        let (t, token, id) = &*a;
        t.reload(token, id).await
    })
    .await;
    measure("reload attempt", before);
    let before = CpuSnapshot::now(args, ticks);
    in_parallel(attempts, c, |a| async move {
        let (t, token, id) = &*a;
        t.submit(token, id).await
    })
    .await;
    measure("submit", before);
    for top in [true, false] {
        let readers: Vec<_> = (0..n)
            .map(|i| Target::new(args, i, client, &stats))
            .collect();
        let before = CpuSnapshot::now(args, ticks);
        in_parallel(
            readers,
            c,
            move |t| async move { t.board(round, top).await },
        )
        .await;
        measure(if top { "board top-100" } else { "board units" }, before);
    }

    println!(
        "\nserver CPU per operation (cost probe: {n} participants, one kind of request at a time over {c} connections)"
    );
    let mut header = format!("{:<16} {:>9} {:>11}", "operation", "requests", "server µs");
    for name in &args.cpu_of {
        header.push_str(&format!(" {:>12}", format!("{name} µs")));
    }
    println!("{header} {:>9}  errors", "p99 ms");
    let s = stats.lock().unwrap_or_else(|p| p.into_inner());
    let mut failed = 0u64;
    let mut save_line = None;
    for row in &rows {
        let Some(e) = s.by_endpoint.get(row.name) else {
            continue;
        };
        let count = e.latency_us.len().max(1) as f64;
        let us = |sec: f64| format!("{:.0}", sec * 1e6 / count);
        let server = row.cpu.server.map(us).unwrap_or_else(|| "-".into());
        let mut line = format!("{:<16} {:>9} {:>11}", row.name, e.latency_us.len(), server);
        for other in &row.cpu.others {
            line.push_str(&format!(" {:>12}", us(*other)));
        }
        let bad: u64 = e
            .statuses
            .iter()
            .filter(|(st, _)| !(200..300).contains(*st))
            .map(|(_, c)| *c)
            .sum();
        failed += bad;
        println!(
            "{line} {:>9.1}  {}",
            e.latency_us.value_at_quantile(0.99) as f64 / 1000.0,
            if bad == 0 {
                "-".to_string()
            } else {
                bad.to_string()
            }
        );
        if row.name == "save answer" {
            let mut text = format!("server CPU per save: {server} µs (cost probe)");
            for (name, other) in args.cpu_of.iter().zip(&row.cpu.others) {
                text.push_str(&format!(" + {} µs {name}", us(*other)));
            }
            save_line = Some(text);
        }
    }
    if let Some(line) = save_line {
        println!("{line}");
    }
    failed
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Arc::new(Args::parse());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(1024)
        // Below the server's keep-alive (5 s), so a pooled connection is never
        // reused just as the server closes it.
        .pool_idle_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(60))
        .build();
    let client = match client {
        Ok(c) => c,
        Err(e) => {
            eprintln!("cannot build the HTTP client: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };

    let base = args.url[0].trim_end_matches('/');
    let info: Value = match client
        .get(format!("{base}/api/v1/contests/{}", args.contest))
        .send()
        .await
    {
        Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
        Ok(r) => {
            eprintln!(
                "Không lấy được hội thi {} ({}) / cannot load the contest",
                args.contest,
                r.status()
            );
            return std::process::ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("Không kết nối được {base}: {e} / cannot connect");
            return std::process::ExitCode::FAILURE;
        }
    };
    let all: Vec<(String, Option<String>)> = info["units"]
        .as_array()
        .map(|u| {
            u.iter()
                .map(|x| {
                    (
                        x["code"].as_str().unwrap_or_default().to_string(),
                        x["parent_code"].as_str().map(str::to_string),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let leaves: Vec<String> = all
        .iter()
        .filter(|(code, _)| !all.iter().any(|(_, p)| p.as_deref() == Some(code)))
        .map(|(c, _)| c.clone())
        .collect();
    let units = Arc::new(if leaves.is_empty() {
        all.iter().map(|(c, _)| c.clone()).collect()
    } else {
        leaves
    });

    // The board readers read the open round (else the first).
    let rounds = info["rounds"].as_array().cloned().unwrap_or_default();
    let round = rounds
        .iter()
        .find(|r| r["status"] == "open")
        .or(rounds.first())
        .and_then(|r| r["number"].as_i64())
        .unwrap_or(1);

    let healthz = healthz_rate(&args, &client).await;
    if healthz > 0.0 {
        println!(
            "/healthz alone: {healthz:.0} req/s ({} connections, {:.1} s)",
            args.healthz_concurrency, args.healthz_seconds
        );
    }

    let stats: Shared = Arc::default();
    let ticks = clock_ticks();
    let others_before = CpuSnapshot::now(&args, ticks);
    let cpu_before: Vec<Option<f64>> = args
        .server_pid
        .iter()
        .map(|p| cpu_seconds(*p, ticks))
        .collect();
    let started = Instant::now();
    if let Ok(mut s) = stats.lock() {
        s.origin = started;
    }
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers = board_readers(&args, &client, round, &stats, &stop);
    let mut tasks = Vec::with_capacity(args.participants);
    for i in 0..args.participants {
        let delay = Duration::from_secs_f64(
            args.ramp.max(0.0) * i as f64 / args.participants.max(1) as f64,
        );
        let (args, units, client, stats) =
            (args.clone(), units.clone(), client.clone(), stats.clone());
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            participant(i, args, units, client, stats).await
        }));
    }
    let mut acked = Vec::new();
    for t in tasks {
        if let Ok(a) = t.await {
            acked.extend(a);
        }
    }
    if args.participants == 0 && args.board_readers > 0 {
        tokio::time::sleep(Duration::from_secs_f64(args.board_seconds.max(0.0))).await;
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        let _ = r.await;
    }
    let wall = started.elapsed().as_secs_f64();
    let cpu_used: Vec<Option<f64>> = args
        .server_pid
        .iter()
        .zip(&cpu_before)
        .map(|(p, before)| Some(cpu_seconds(*p, ticks)? - (*before)?))
        .collect();
    let others_used = CpuSnapshot::now(&args, ticks).since(&others_before);

    println!(
        "\n{} participants, {} attempts in {wall:.1} s ({} URL(s))",
        args.participants,
        acked.len(),
        args.url.len()
    );
    println!(
        "{:<16} {:>9} {:>10} {:>11} {:>9} {:>9} {:>9} {:>9}  errors",
        "endpoint", "requests", "req/s", "sustained/s", "p50 ms", "p90 ms", "p99 ms", "max ms"
    );
    let mut errors = 0u64;
    let mut unavailable = 0u64;
    let mut save_rate = 0.0;
    let mut save_sustained = 0.0;
    let mut requests = 0u64;
    let mut saves = 0u64;
    let mut board_reads = 0u64;
    {
        let s = stats.lock().unwrap_or_else(|p| p.into_inner());
        for (name, e) in &s.by_endpoint {
            let n = e.latency_us.len();
            requests += n;
            if name.starts_with("board") {
                board_reads += n;
            }
            let rate = n as f64 / wall;
            let sustained = e.sustained();
            if *name == "save answer" {
                saves = n;
                save_rate = rate;
                save_sustained = sustained.unwrap_or(rate);
            }
            let bad: Vec<String> = e
                .statuses
                .iter()
                .filter(|(st, _)| !(200..300).contains(*st))
                .map(|(st, c)| format!("{st}×{c}"))
                .collect();
            errors += e
                .statuses
                .iter()
                .filter(|(st, _)| {
                    let expected = (200..300).contains(*st) || (args.allow_503 && **st == 503);
                    !expected
                })
                .map(|(_, c)| *c)
                .sum::<u64>();
            unavailable += e.statuses.get(&503).copied().unwrap_or(0);
            let ms = |q: f64| e.latency_us.value_at_quantile(q) as f64 / 1000.0;
            println!(
                "{:<16} {:>9} {:>10.0} {:>11} {:>9.1} {:>9.1} {:>9.1} {:>9.1}  {}",
                name,
                n,
                rate,
                sustained
                    .map(|r| format!("{r:.0}"))
                    .unwrap_or_else(|| "-".into()),
                ms(0.5),
                ms(0.9),
                ms(0.99),
                e.latency_us.max() as f64 / 1000.0,
                if bad.is_empty() {
                    "-".to_string()
                } else {
                    bad.join(" ")
                }
            );
        }
    }
    if healthz > 0.0 && saves > 0 {
        println!(
            "answer saves: {save_rate:.0}/s over the whole run, {save_sustained:.0}/s sustained = {:.1}% of the /healthz rate",
            100.0 * save_sustained / healthz
        );
    }
    if board_reads > 0 {
        let rate = board_reads as f64 / wall;
        let share = if healthz > 0.0 {
            format!(" = {:.1}% of the /healthz rate", 100.0 * rate / healthz)
        } else {
            String::new()
        };
        println!(
            "board reads: {rate:.0}/s{share} ({} readers)",
            args.board_readers
        );
    }
    for (pid, cpu) in args.server_pid.iter().zip(&cpu_used) {
        let Some(cpu) = cpu else {
            println!("server pid {pid}: CPU time not readable");
            continue;
        };
        let per = |n: u64| cpu * 1e6 / n.max(1) as f64;
        let mut line = format!(
            "server CPU: {cpu:.1} s over the run (pid {pid}) = {:.0} µs per request ({requests} requests)",
            per(requests)
        );
        if saves > 0 {
            line.push_str(&format!(
                "; {:.0} µs per save with all of it charged to the {saves} saves",
                per(saves)
            ));
        }
        if board_reads > 0 && saves == 0 {
            line.push_str(&format!("; {:.0} µs per board read", per(board_reads)));
        }
        println!("{line}");
    }
    for (name, cpu) in args.cpu_of.iter().zip(&others_used.others) {
        println!(
            "{name} CPU: {cpu:.1} s over the run = {:.0} µs per save with all of it charged to the {saves} saves",
            cpu * 1e6 / saves.max(1) as f64
        );
    }

    // Verification: every acknowledged answer and submission is stored.
    let mut lost_answers = 0usize;
    let mut lost_submits = 0usize;
    let mut checked = 0usize;
    for a in &acked {
        let v: Value = match client
            .get(format!("{}/api/v1/attempts/{}", a.base, a.attempt_id))
            .bearer_auth(&a.token)
            .send()
            .await
        {
            Ok(r) => r.json().await.unwrap_or_default(),
            Err(_) => Value::Null,
        };
        for (pos, answer) in &a.answers {
            checked += 1;
            if &v["answers"][pos.to_string()] != answer {
                lost_answers += 1;
            }
        }
        if a.submitted && v["status"] != "submitted" {
            lost_submits += 1;
        }
    }
    println!("verified {checked} acknowledged answers: {lost_answers} lost; {} submissions: {lost_submits} lost", acked.iter().filter(|a| a.submitted).count());
    for pid in &args.server_pid {
        match peak_rss_mb(*pid) {
            Some(mb) => println!("server pid {pid}: peak RSS {mb:.0} MB"),
            None => println!("server pid {pid}: memory not readable"),
        }
    }
    if args.cost_probe > 0 {
        errors += cost_probe(&args, &units, &client, round, ticks).await;
    }
    println!("503 answers (each retried after Retry-After): {unavailable}; other errors: {errors}");
    if errors == 0 && lost_answers == 0 && lost_submits == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
