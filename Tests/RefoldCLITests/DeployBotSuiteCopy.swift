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

/// The demo suite's `judge:` (its expectations judge the closing messages), as one line for
/// a suite.yaml beside a ``deployBotEvalCopy()``.
let deployBotJudge =
  "judge: {provider: openai, model: smollm2-135m-instruct, base_url: http://127.0.0.1:8088/v1, "
  + "prompt: prompts/judge.mustache, response_format: json_object}"

/// A temporary folder holding the demo suite's agent, prompts, expectations and both
/// variants' and the judge's cassettes (not its suite.yaml): each test writes its own
/// suite.yaml beside them, with ``deployBotJudge``.
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
    "prompts/judge.mustache", "cassettes/baseline.jsonl", "cassettes/concise-json.jsonl",
    "cassettes/judge.jsonl",
  ] {
    try manager.copyItem(atPath: "\(demo)/\(file)", toPath: directory.path(file))
  }
  return directory
}

/// A ``deployBotEvalCopy()`` with a suite.yaml of the demo fixtures, its expectations and
/// judge, the baseline cassette and step mode.
func deployBotStepSuite() throws -> TemporaryDirectory {
  let directory = try deployBotEvalCopy()
  try directory.write(
    "suite.yaml",
    """
    name: deploybot
    agent: agent.yaml
    fixtures:
      - \(Repository.root)/fixtures/deploybot/threads/*.jsonl
    expectations: expectations.yaml
    cassette: cassettes/baseline.jsonl
    modes: [step]
    \(deployBotJudge)
    """)
  return directory
}
