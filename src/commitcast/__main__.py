from commitcast.cli import main

main()
