import RefoldCore
import Yams

/// The checks every YAML read goes through, so that no document can exhaust memory or time:
/// its size before it is parsed, and the nodes it expands to (an alias stands for a copy of
/// what it names, so nine aliases of nine aliases of … grow without bound) after.
///
/// ```swift
/// try YAMLLimits.checkSize(text, file: path)
/// let root = try Yams.compose(yaml: text)
/// try YAMLLimits.checkExpansion(root, bytes: text.utf8.count, file: path)
/// ```
public enum YAMLLimits {
  /// A document over a limit: where, and which limit; invalid input (exit status 2).
  public struct Exceeded: RefoldError, Sendable, Hashable {
    public var file: String
    /// The line where the budget ran out, when known.
    public var line: Int?
    /// What is too large, as the rest of a sentence after `file:line: `.
    public var reason: String

    public var exitStatus: ExitStatus { .invalidInput }
    public var description: String {
      "\(line.map { "\(file):\($0)" } ?? file): \(reason)"
    }
  }

  /// Refuses `text` larger than ``InputLimits/maxYAMLBytes``.
  public static func checkSize(_ text: String, file: String) throws(Exceeded) {
    let limit = InputLimits.current.maxYAMLBytes
    guard text.utf8.count <= limit else {
      throw Exceeded(
        file: file, line: nil,
        reason: "the YAML document is larger than the limit of \(InputLimits.describe(limit)) "
          + "(REFOLD_MAX_YAML_BYTES raises it)")
    }
  }

  /// Refuses a composed document that expands to more nodes than
  /// ``InputLimits/yamlNodeBudget(bytes:)`` allows for its size (aliases expanded), stopping
  /// the count as soon as the budget is spent.
  public static func checkExpansion(_ root: Node?, bytes: Int, file: String) throws(Exceeded) {
    guard let root else { return }
    let budget = InputLimits.yamlNodeBudget(bytes: bytes)
    var remaining = budget
    var stack: [Node] = [root]
    while let node = stack.popLast() {
      remaining -= 1
      guard remaining >= 0 else {
        throw Exceeded(
          file: file, line: node.mark?.line,
          reason: "the YAML document expands to more than \(budget) nodes; "
            + "its aliases repeat too much (an alias bomb?)")
      }
      switch node {
      case .scalar, .alias: break
      case .sequence(let sequence): stack.append(contentsOf: sequence)
      case .mapping(let mapping):
        for (key, value) in mapping {
          stack.append(key)
          stack.append(value)
        }
      }
    }
  }
}
