"""Worker process of the scheduling service: `confer worker scheduling`."""
from services.common.runner import run_worker
from services.scheduling import SERVICE


def main() -> None:
    run_worker(SERVICE)


if __name__ == "__main__":
    main()
