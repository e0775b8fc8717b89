"""Worker process of the roster service: `confer worker roster`."""
from services.common.runner import run_worker
from services.roster import SERVICE


def main() -> None:
    run_worker(SERVICE)


if __name__ == "__main__":
    main()
