def test_healthz_reports_database_and_queue(client, db):
    # when
    response = client.get("/healthz")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"ok": True, "engine": "postgresql"}
    assert body["queue"]["ok"] is True
    assert body["queue"]["broker"] == "database"
    assert body["status"] == "ok"


def test_healthz_refuses_post(client, db):
    assert client.post("/healthz").status_code == 405
