"""Worker process of the notifications service: `confer worker notifications`."""
from services.common.runner import run_worker
from services.notifications import SERVICE


def main() -> None:
    run_worker(SERVICE)


if __name__ == "__main__":
    main()
