from smmdesk.cli import main

main()
