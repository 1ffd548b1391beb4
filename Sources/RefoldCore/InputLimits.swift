import Foundation

/// The largest inputs Refold reads: no file can make it allocate without bound.
///
/// A line of event JSONL or of a cassette, and an OTLP file (one JSON document), may be at
/// most ``maxLineBytes`` long; a YAML document (a suite, an agent spec, expectations) at
/// most ``maxYAMLBytes``, and the nodes it expands to (aliases included) at most
/// ``yamlNodeBudget(bytes:)``. Readers check while reading, before they allocate, and fail
/// with exit status 2 naming the file and line.
///
/// The command line reads `REFOLD_MAX_LINE_BYTES` and `REFOLD_MAX_YAML_BYTES`; a program
/// binds ``current`` around its reads:
///
/// ```swift
/// try InputLimits.$current.withValue(InputLimits(maxLineBytes: 1 << 20)) {
///   try importer.importFile("events.jsonl")
/// }
/// ```
public struct InputLimits: Sendable, Hashable {
  /// The longest line of JSONL (events, cassettes) and the largest OTLP file, in bytes.
  public var maxLineBytes: Int
  /// The largest YAML document, in bytes.
  public var maxYAMLBytes: Int

  public init(maxLineBytes: Int = 16 << 20, maxYAMLBytes: Int = 4 << 20) {
    self.maxLineBytes = maxLineBytes
    self.maxYAMLBytes = maxYAMLBytes
  }

  /// The defaults (16 MiB lines, 4 MiB YAML documents), overridden by
  /// `REFOLD_MAX_LINE_BYTES` and `REFOLD_MAX_YAML_BYTES` in `environment` when they are
  /// positive whole numbers.
  public init(environment: [String: String]) {
    self.init()
    if let text = environment["REFOLD_MAX_LINE_BYTES"], let bytes = Int(text), bytes > 0 {
      maxLineBytes = bytes
    }
    if let text = environment["REFOLD_MAX_YAML_BYTES"], let bytes = Int(text), bytes > 0 {
      maxYAMLBytes = bytes
    }
  }

  /// How many nodes a YAML document of `bytes` bytes may expand to: a document without
  /// aliases has fewer nodes than bytes, so only an alias bomb reaches this.
  public static func yamlNodeBudget(bytes: Int) -> Int { 100_000 + 4 * bytes }

  /// `bytes` as people read it: `16 MiB`, `512 bytes`.
  public static func describe(_ bytes: Int) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
    if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
    return "\(bytes) bytes"
  }

  /// The sentence for a line over the limit, after `file:line: `.
  public var lineTooLong: String {
    "the line is longer than the limit of \(Self.describe(maxLineBytes)) "
      + "(REFOLD_MAX_LINE_BYTES raises it)"
  }

  /// The limits in force: the process environment's, unless bound.
  @TaskLocal public static var current = InputLimits(
    environment: ProcessInfo.processInfo.environment)
}
