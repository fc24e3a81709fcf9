from linkkeeper.cli import main

main(prog_name="linkkeeper")
