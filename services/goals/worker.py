"""Worker process of the goals service: `confer worker goals`."""
from services.common.runner import run_worker
from services.goals import SERVICE


def main() -> None:
    run_worker(SERVICE)


if __name__ == "__main__":
    main()
