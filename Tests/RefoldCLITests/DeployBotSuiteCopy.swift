import Foundation
import RefoldTestSupport

/// A temporary folder holding the demo deploy-bot agent (agent.yaml and its prompts) and the
/// named golden threads under `threads/`; each test writes its own suite.yaml beside them.
func deployBotSuiteCopy(threads: [String]) throws -> TemporaryDirectory {
  let directory = try TemporaryDirectory()
  let manager = FileManager.default
  let repository = Repository.root
  try manager.createDirectory(
    atPath: directory.path("threads"), withIntermediateDirectories: true)
  try manager.createDirectory(
    atPath: directory.path("prompts"), withIntermediateDirectories: true)
  for thread in threads {
    try manager.copyItem(
      atPath: "\(repository)/fixtures/deploybot/threads/\(thread).jsonl",
      toPath: directory.path("threads/\(thread).jsonl"))
  }
  for file in ["agent.yaml", "prompts/default.mustache", "prompts/concise.mustache"] {
    try manager.copyItem(
      atPath: "\(repository)/evals/deploybot/\(file)", toPath: directory.path(file))
  }
  return directory
}

/// A temporary folder holding the demo suite's agent, prompts, expectations and both
/// variants' cassettes (not its suite.yaml): each test writes its own suite.yaml beside them.
func deployBotEvalCopy() throws -> TemporaryDirectory {
  let directory = try TemporaryDirectory()
  let manager = FileManager.default
  let demo = "\(Repository.root)/evals/deploybot"
  for folder in ["prompts", "cassettes"] {
    try manager.createDirectory(
      atPath: directory.path(folder), withIntermediateDirectories: true)
  }
  for file in [
    "agent.yaml", "expectations.yaml", "prompts/default.mustache", "prompts/concise.mustache",
    "cassettes/baseline.jsonl", "cassettes/concise-json.jsonl",
  ] {
    try manager.copyItem(atPath: "\(demo)/\(file)", toPath: directory.path(file))
  }
  return directory
}
