import Foundation
import RefoldCLI

let code = await CLI.run(arguments: Array(CommandLine.arguments.dropFirst()))
exit(code)
