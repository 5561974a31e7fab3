from workos.cli import main

main()
