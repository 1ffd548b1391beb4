import RefoldCore
import RefoldShared

extension RunResults {
  /// Merges the results of shards of one run into one.
  ///
  /// Cases are concatenated in the order the shards are given; summary and breakdown are
  /// recomputed from the cases (so they do not depend on that order).
  ///
  /// The run info is the first shard's, with `shard` cleared, the earliest start and the
  /// latest finish. Merging the N shards of a run gives the same summary as the unsharded run,
  /// and its scope: `suite` when the shards are 1/N to N/N of a whole-suite run, `ad_hoc`
  /// when any was a selection or a shard is missing, none when a shard has none.
  ///
  /// - Throws: ``SuiteError/invalid(file:line:path:message:)`` when there is nothing to merge,
  ///   when the shards come from different suites or variants, or when a case id repeats.
  public static func merge(_ shards: [RunResults]) throws(SuiteError) -> RunResults {
    guard let first = shards.first else {
      throw .invalid(file: "merge", line: nil, path: "", message: "no results to merge")
    }
    var seen = Set<String>()
    var cases: [CaseResult] = []
    var scorer = Scorer()
    var threads: [String: [Event]] = [:]
    for shard in shards {
      guard shard.run.suite == first.run.suite, shard.run.variant == first.run.variant else {
        throw .invalid(
          file: "merge", line: nil, path: "run",
          message: "shard \(shard.run.id) is \(shard.run.suite)/\(shard.run.variant), "
            + "not \(first.run.suite)/\(first.run.variant)")
      }
      for result in shard.cases {
        guard seen.insert(result.id).inserted else {
          throw .invalid(
            file: "merge", line: nil, path: "cases",
            message: "case \(result.id) appears in more than one shard")
        }
        cases.append(result)
        scorer.add(result)
      }
      for (thread, events) in shard.threads ?? [:] { threads[thread] = events }
    }
    var info = first.run
    info.shard = nil
    info.startedAt = shards.map(\.run.startedAt).min() ?? info.startedAt
    info.finishedAt = shards.map(\.run.finishedAt).max() ?? info.finishedAt
    info.wallSeconds = nil
    info.scope = mergedScope(shards.map(\.run))
    return RunResults(
      run: info, summary: scorer.summary, byIntent: scorer.breakdown, cases: cases,
      threads: threads.isEmpty ? nil : threads)
  }

  private static func mergedScope(_ shards: [RunInfo]) -> RunInfo.Scope? {
    var scopes: Set<RunInfo.Scope> = []
    for shard in shards {
      guard let scope = shard.scope else { return nil }
      scopes.insert(scope)
    }
    if scopes == [.suite] { return .suite }
    guard scopes == [.shard] else { return .adHoc }
    let parsed = shards.compactMap { info in info.shard.flatMap { try? Shard(parsing: $0) } }
    guard parsed.count == shards.count, let count = parsed.first?.count,
      parsed.allSatisfy({ $0.count == count }),
      Set(parsed.map(\.index)) == Set(1...count)
    else { return .adHoc }
    return .suite
  }
}
