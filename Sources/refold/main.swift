import RefoldCLI

await RefoldCommand.main()
