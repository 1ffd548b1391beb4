import Foundation
import RefoldCore
import RefoldEval
import RefoldModels
import RefoldShared

/// An expectations entry for a promoted thread, for a person to edit.
///
/// Every decision is listed as a step with its recorded intent and parameters in a comment;
/// as written the entry changes nothing (every decision is expected exactly as recorded).
/// It goes where the suite reads expectations: appended to the suite's expectations file
/// when that file is a YAML list (or does not exist yet); otherwise into
/// `<suite>/expectations/<thread>.yaml`, with a note saying so.
struct ExpectationsStub {
  let suite: Suite
  let text: String
  let path: String
  let appends: Bool
  let note: String?

  init(suite: Suite, raw: YAMLNode?, thread: String, events: [Event], from recorded: String)
    throws
  {
    self.suite = suite
    let reducer = suite.agent.reducer
    let classes = reducer.vocabulary.classify(events)
    var lines = [
      "",
      "# Promoted from recorded thread \(recorded). As written this entry changes nothing: every",
      "# decision is expected exactly as recorded. If a decision was wrong, correct its event in",
      "# the fixture, or loosen it here (accept: [other_intent], parameters: {tag: any},",
      "# ignore: true). See docs/suites.md.",
      "- thread: \(Self.quoted(thread))",
      "  steps:",
    ]
    var step = 0
    for (index, event) in events.enumerated() {
      guard case .decision(let intent, _) = classes[index],
        !event.isEscalation
      else { continue }
      var summary = "\(intent) \(reducer.parameters(of: event).canonicalString)"
      summary = summary.replacingOccurrences(of: "\n", with: " ")
      if summary.count > 90 { summary = String(summary.prefix(90)) + "…" }
      lines.append("    - step: \(step)    # seq \(event.seq): \(summary)")
      step += 1
    }
    if step == 0 { lines[lines.count - 1] = "  steps: []" }
    text = lines.joined(separator: "\n") + "\n"

    let separate = (suite.directory as NSString).appendingPathComponent(
      "expectations/\(thread).yaml")
    if case .scalar(.string(let relative))? = raw?["expectations"]?.content {
      let file = Promoter.resolve(relative, in: suite.directory)
      let existing = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
      // Nil when the file is not YAML or holds only comments.
      let parsed = try? YAMLNode.parse(existing, file: file)
      if existing.trimmingCharacters(in: .whitespacesAndNewlines) == "[]" {
        path = file
        appends = false
        note = nil
        return
      }
      var isList = false
      if case .sequence? = parsed?.content { isList = true }
      if existing.isEmpty || parsed == nil || isList {
        path = file
        appends = true
        note = nil
        return
      }
      note =
        "\(file) is not a plain list, so the stub is in \(separate); move its entry there"
    } else if raw?["expectations"] != nil {
      note = "\(suite.file) lists expectations inline; copy the stub from \(separate) into it"
    } else {
      note = "add `expectations: expectations/\(thread).yaml` to \(suite.file) to use the stub"
    }
    path = separate
    appends = false
  }

  /// Writes the stub, or the existing file with the stub after it; returns its file.
  ///
  /// - Throws: ``ServerError/promotionUnwritable(thread:path:reason:)``.
  func write(thread recorded: String) throws(ServerError) -> String {
    let existing = appends ? FileManager.default.contents(atPath: path) : nil
    let whole: Data
    if let existing {
      whole = existing + Data(text.utf8)
    } else {
      whole = Data(text.drop(while: { $0 == "\n" }).utf8)
    }
    do {
      try AtomicFile.write(whole, to: path)
    } catch {
      throw .promotionUnwritable(thread: recorded, path: error.path, reason: error.reason)
    }
    return path
  }

  static func quoted(_ text: String) -> String {
    "\""
      + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
        of: "\"", with: "\\\"")
      + "\""
  }
}
