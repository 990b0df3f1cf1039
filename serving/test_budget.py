"""The connection budget `make serve` prints (serving/budget.py)."""

from serving.budget import ConnectionBudget, budget_from


def test_budget_adds_workers_of_every_host_and_cron():
    budget = ConnectionBudget(web_workers=5, task_workers=1, hosts=3, cron=2)

    assert budget.needed == 20
    assert budget.describe(97).endswith("of 97 available: fits")


def test_budget_that_does_not_fit_says_what_to_set():
    line = ConnectionBudget(web_workers=9, task_workers=1, hosts=4, cron=1).describe(37)

    assert "raise max_connections to at least" in line
    assert "PgBouncer in transaction mode" in line


def test_budget_follows_gunicorn_conf_and_the_environment():
    budget = budget_from({"WEB_CONCURRENCY": "4", "DEPLOY_HOSTS": "2"})

    assert budget == ConnectionBudget(web_workers=4, task_workers=1, hosts=2, cron=1)
