import Foundation
import RefoldCore
import RefoldShared
import RefoldStore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `refold-bench`: throughput and memory figures for the core and the store.
///
/// Subcommands: `fold [--events N]`, `import [--events N]`, `eval [--decisions N]`,
/// `live [--decisions N] [--concurrency C,…] [--latency MS]`,
/// `agent [--decisions N] [--concurrency C]`, and `all` (each measurement in a
/// fresh child process, so peak RSS belongs to one measurement). Build with `-c release`.
let usage = """
  usage: refold-bench fold [--events N]      fold N in-memory events (default 1000000)
         refold-bench import [--events N] [--db URL]
                                             import an N-event JSONL file (default 200000)
                                             into a new SQLite file, or into a new database
                                             on the PostgreSQL server a postgresql:// URL names
         refold-bench appends [--db URL] [--writers W] [--count N]
                                             W processes (default 4) each storing N model
                                             calls (default 2000) as the recording proxy
                                             does, on shared threads
         refold-bench eval [--decisions N] [--shape public|deploybot] [--cassette gz|jsonl]
                           [--concurrency C] [--keep DIR]
                                             `refold eval` end to end on a generated suite on
                                             disk: N decisions (default 10000) in step mode
                                             from a cassette, every report written, the run
                                             stored; then the Python floor on the same cases
         refold-bench live [--decisions N] [--concurrency C,C,...] [--latency MS]
                                             `refold eval --model live` on a generated suite
                                             (default 1000 decisions) against
                                             scripts/latency-server.py (default 100 ms a
                                             request) at each concurrency (default 4,16,64):
                                             decisions/s of the replay against N / latency
         refold-bench store --results FILE [--mode stream|save] [--db URL] [--runs K]
                           [--copies C]
                                             store the run of a results.json (as
                                             `eval --keep DIR` leaves it) into a new SQLite
                                             file or PostgreSQL database: streamed through
                                             the store's writer, or saved whole; K times
                                             (default 1) into the same store; streamed, C
                                             copies of the file's threads a run
         refold-bench agent [--decisions N] [--concurrency C]
                                             step-mode eval of N decisions (default 10000)
                                             against a trivial command agent through
                                             refold.next-step/v1, C processes (default 4)
         refold-bench all                    fold 1M; import 50k, 200k, 800k; eval 1k, 10k
                                             and 100k decisions; agent 10k decisions, each
                                             in a child process
  """

func option(_ name: String, in arguments: [String], default value: Int) -> Int {
  guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
    return value
  }
  return Int(arguments[index + 1].replacingOccurrences(of: "_", with: "")) ?? value
}

/// Peak resident set size of this process, in MiB.
func peakRSS() -> Double {
  var usage = rusage()
  #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
  #else
    getrusage(RUSAGE_SELF, &usage)
    return Double(usage.ru_maxrss) / 1024 / 1024
  #endif
}

/// CPU time (user + system) this process has used, in seconds: on a shared machine this is
/// the fairer denominator, as wall time includes waiting for a core.
func cpuSeconds() -> Double {
  var usage = rusage()
  #if os(Linux)
    getrusage(RUSAGE_SELF.rawValue, &usage)
  #else
    getrusage(RUSAGE_SELF, &usage)
  #endif
  return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

func now() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func format(_ value: Double) -> String {
  let rounded = Int(value.rounded())
  var digits = String(rounded)
  var groups: [String] = []
  while digits.count > 3 {
    groups.insert(String(digits.suffix(3)), at: 0)
    digits = String(digits.dropLast(3))
  }
  groups.insert(digits, at: 0)
  return groups.joined(separator: ",")
}

func benchFold(events total: Int) {
  var generator = SyntheticThreads(seed: 42)
  var threads: [[Event]] = []
  var count = 0
  while count < total {
    let thread = generator.nextThread()
    count += thread.count
    threads.append(thread)
  }
  var kinds: [EventKind: Int] = [:]
  let vocabulary = Vocabulary.default
  for thread in threads {
    for eventClass in vocabulary.classify(thread) { kinds[eventClass.kind, default: 0] += 1 }
  }
  let mix = EventKind.allCases.map { "\($0.rawValue) \(kinds[$0] ?? 0)" }.joined(separator: ", ")
  print(
    "fold: \(format(Double(count))) events in \(format(Double(threads.count))) threads (\(mix))")
  let reducer = ThreadReducer()
  var best = Double.infinity
  var bestCPU = Double.infinity
  var statuses: [ThreadState.Status: Int] = [:]
  for round in 0..<3 {
    let start = now()
    let startCPU = cpuSeconds()
    var checksum = 0
    for thread in threads {
      let state = reducer.fold(thread)
      checksum &+= state.steps
      if round == 0 { statuses[state.status, default: 0] += 1 }
    }
    let elapsed = now() - start
    best = min(best, elapsed)
    bestCPU = min(bestCPU, cpuSeconds() - startCPU)
    if checksum == -1 { print("unreachable") }
  }
  let final = statuses.sorted { $0.key.rawValue < $1.key.rawValue }
    .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
  print("fold: final statuses: \(final)")
  print(
    "fold: best of 3: \(String(format: "%.3f", best)) s, "
      + "\(format(Double(count) / best)) events/s; "
      + "\(format(Double(count) / bestCPU)) events per CPU second; "
      + "peak RSS \(String(format: "%.1f", peakRSS())) MiB"
  )
}

func benchImport(events total: Int, db: String? = nil) throws {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
    "refold-bench-\(UUID().uuidString)")
  try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  let file = directory.appendingPathComponent("events.jsonl").path
  guard FileManager.default.createFile(atPath: file, contents: nil),
    let handle = FileHandle(forWritingAtPath: file)
  else {
    throw StoreError.file(path: file, reason: "cannot create")
  }
  var generator = SyntheticThreads(seed: 7)
  var count = 0
  var buffer: [UInt8] = []
  while count < total {
    for event in generator.nextThread() where count < total {
      event.writeLine(into: &buffer)
      buffer.append(0x0A)
      count += 1
    }
    if buffer.count > 1 << 20 {
      handle.write(Data(buffer))
      buffer.removeAll(keepingCapacity: true)
    }
  }
  handle.write(Data(buffer))
  try handle.close()
  buffer = []
  let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
  let rssBefore = peakRSS()
  let target = try StoreBench.Target.make(db: db, directory: directory)
  defer { target.cleanUp() }
  let store = try target.eventStore()
  let start = now()
  let startCPU = cpuSeconds()
  let summary = try EventImporter(store: store).importFiles([file])
  let elapsed = now() - start
  let elapsedCPU = cpuSeconds() - startCPU
  guard summary.written == count else {
    throw StoreError.corruptRow(table: "events", detail: "wrote \(summary.written) of \(count)")
  }
  print(
    "import (\(target.isPostgres ? "PostgreSQL" : "SQLite")): \(format(Double(count))) events (\(format(Double(size) / 1024 / 1024)) MiB JSONL, "
      + "\(summary.threads) threads) in \(String(format: "%.3f", elapsed)) s: "
      + "\(format(Double(count) / elapsed)) events/s; "
      + "\(format(Double(count) / elapsedCPU)) events per CPU second")
  print(
    "import: peak RSS \(String(format: "%.1f", peakRSS())) MiB "
      + "(\(String(format: "%.1f", rssBefore)) MiB before the import)")
}

func value(_ name: String, in arguments: [String]) -> String? {
  guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else {
    return nil
  }
  return arguments[index + 1]
}

func runChild(_ arguments: [String]) throws {
  let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  try process.run()
  process.waitUntilExit()
  if process.terminationStatus != 0 {
    print("child \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
  }
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
  switch arguments.first {
  case "fold":
    benchFold(events: option("--events", in: arguments, default: 1_000_000))
  case "import":
    try benchImport(
      events: option("--events", in: arguments, default: 200_000), db: value("--db", in: arguments))
  case "appends":
    try StoreBench.appends(
      db: value("--db", in: arguments), writers: option("--writers", in: arguments, default: 4),
      count: option("--count", in: arguments, default: 2000))
  case "append-writer":
    guard let db = value("--db", in: arguments) else {
      print(usage)
      exit(2)
    }
    try StoreBench.appendWriter(
      db: db, writer: option("--writer", in: arguments, default: 0),
      count: option("--count", in: arguments, default: 2000))
  case "eval":
    let decisions = option("--decisions", in: arguments, default: 10_000)
    let shape = value("--shape", in: arguments) ?? BenchSuite.Shape.publicWorkload.rawValue
    guard BenchSuite.Shape(rawValue: shape) != nil else {
      print(usage)
      exit(2)
    }
    let kept = value("--keep", in: arguments)
    let work =
      kept
      ?? FileManager.default.temporaryDirectory.appendingPathComponent(
        "refold-bench-eval-\(UUID().uuidString)"
      ).path
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { if kept == nil { try? FileManager.default.removeItem(atPath: work) } }
    let suite = (work as NSString).appendingPathComponent("suite")
    let cassette = value("--cassette", in: arguments) ?? "gz"
    guard cassette == "gz" || cassette == "jsonl" else {
      print(usage)
      exit(2)
    }
    try runChild([
      "eval-setup", "--decisions", String(decisions), "--shape", shape, "--suite", suite,
      "--cassette", cassette,
    ])
    // A suite under test has been on disk for a while; without this, the kernel writes the
    // just-written suite back while `refold eval` runs, and the figures measure that too.
    sync()
    try runChild(
      ["eval-run", "--suite", suite, "--work", work]
        + (value("--concurrency", in: arguments).map { ["--concurrency", $0] } ?? []))
    try PythonFloor.measure(suite: suite, work: work)
  case "store":
    guard let results = value("--results", in: arguments),
      let mode = RunWriterBench.Mode(rawValue: value("--mode", in: arguments) ?? "stream")
    else {
      print(usage)
      exit(2)
    }
    try RunWriterBench.measure(
      results: results, mode: mode, db: value("--db", in: arguments),
      times: option("--runs", in: arguments, default: 1),
      copies: option("--copies", in: arguments, default: 1))
  case "agent":
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-bench-agent-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try await AgentBench.measure(
      decisions: option("--decisions", in: arguments, default: 10_000),
      concurrency: option("--concurrency", in: arguments, default: 4),
      resultsPath: directory.appendingPathComponent("results.json").path)
  case "eval-setup":
    guard let suite = value("--suite", in: arguments),
      let shape = BenchSuite.Shape(rawValue: value("--shape", in: arguments) ?? "public")
    else {
      print(usage)
      exit(2)
    }
    let decisions = option("--decisions", in: arguments, default: 10_000)
    let start = now()
    try BenchSuite.write(
      decisions: decisions, shape: shape, directory: suite,
      cassetteExtension: value("--cassette", in: arguments) == "jsonl" ? ".jsonl" : ".jsonl.gz")
    let threads = EndToEndEval.fileSize(
      (suite as NSString).appendingPathComponent("threads/threads.jsonl"))
    let cassettes = EndToEndEval.fileSizes(
      under: (suite as NSString).appendingPathComponent("cassettes"))
    print(
      "eval: suite of \(format(Double(decisions))) decisions (\(shape.rawValue) shape) written "
        + "in \(String(format: "%.1f", now() - start)) s: threads "
        + "\(EndToEndEval.megabytes(threads)) (\(format(Double(threads / max(1, decisions)))) "
        + "bytes a decision), cassette "
        + cassettes.map { "\($0.key) \(EndToEndEval.megabytes($0.value))" }.joined()
        + " (\(format(Double(cassettes.values.reduce(0, +) / max(1, decisions)))) bytes a decision)"
    )
  case "eval-run":
    guard let suite = value("--suite", in: arguments), let work = value("--work", in: arguments)
    else {
      print(usage)
      exit(2)
    }
    // Anything after `--` goes to `refold eval` as it is (`-- --model live --base-url URL`).
    let passed = arguments.firstIndex(of: "--").map { Array(arguments[($0 + 1)...]) } ?? []
    let extra =
      (value("--concurrency", in: arguments).map { ["--concurrency", $0] } ?? []) + passed
    let code = await EndToEndEval.measure(suite: suite, work: work, arguments: extra).code
    exit(code)
  case "live":
    let work = FileManager.default.temporaryDirectory.appendingPathComponent(
      "refold-bench-live-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: work) }
    let concurrencies = (value("--concurrency", in: arguments) ?? "4,16,64")
      .split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 }
    guard !concurrencies.isEmpty else {
      print(usage)
      exit(2)
    }
    try await LiveEval.measure(
      decisions: option("--decisions", in: arguments, default: 1_000),
      concurrencies: concurrencies, latency: option("--latency", in: arguments, default: 100),
      work: work)
  case "all":
    try runChild(["fold", "--events", "1000000"])
    try runChild(["import", "--events", "50000"])
    try runChild(["import", "--events", "200000"])
    try runChild(["import", "--events", "800000"])
    try runChild(["eval", "--decisions", "1000"])
    try runChild(["eval", "--decisions", "10000"])
    try runChild(["eval", "--decisions", "100000"])
    try runChild(["agent", "--decisions", "10000"])
  default:
    print(usage)
    exit(arguments.isEmpty ? 0 : 2)
  }
} catch {
  FileHandle.standardError.write(Data("refold-bench: \(error)\n".utf8))
  exit(2)
}
