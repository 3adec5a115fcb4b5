from tandem.core.jobs import PeriodicJob, Schedule

CALLS: list[str] = []


def record_call() -> None:
    CALLS.append("ran")


def fail() -> None:
    raise RuntimeError("broken on purpose")


HERE = "tandem.core.tests.test_jobs"


class FakeClock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def test_a_job_runs_at_once_then_again_only_when_its_interval_has_passed() -> None:
    CALLS.clear()
    clock = FakeClock()
    schedule = Schedule(jobs=[PeriodicJob("record", 60, f"{HERE}.record_call")], clock=clock)
    schedule.run_due()
    clock.seconds = 59
    schedule.run_due()
    clock.seconds = 60
    schedule.run_due()
    assert CALLS == ["ran", "ran"]


def test_a_failing_job_does_not_keep_the_next_one_from_running() -> None:
    CALLS.clear()
    schedule = Schedule(
        jobs=[
            PeriodicJob("fail", 60, f"{HERE}.fail"),
            PeriodicJob("record", 60, f"{HERE}.record_call"),
        ]
    )
    assert schedule.run_due() == 2
    assert CALLS == ["ran"]
