"""Worker process of the reports service: `confer worker reports`."""
from services.common.runner import run_worker
from services.reports import SERVICE


def main() -> None:
    run_worker(SERVICE)


if __name__ == "__main__":
    main()
