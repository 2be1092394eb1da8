from victimcare.cli import main

main()
