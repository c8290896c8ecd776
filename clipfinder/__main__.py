from clipfinder.cli.app import main

main()
