"""Optimistic concurrency: every ticket has a version, GET returns an ETag, PATCH honours
If-Match (412 with the current ticket when stale); clients without If-Match keep working."""

from __future__ import annotations

import threading

from tests.conftest import bearer_client


def test_get_returns_an_etag_that_changes_with_every_save(client, make_ticket):
    ticket = make_ticket()
    first = client.get(f"/api/tickets/{ticket['id']}")
    etag = first.headers["ETag"]
    assert etag == f'"t{ticket["id"]}-v{first.get_json()["version"]}"'
    saved = client.patch(
        f"/api/tickets/{ticket['id']}", json={"note": "x"}, headers={"If-Match": etag}
    )
    assert saved.status_code == 200
    assert saved.headers["ETag"] != etag
    assert client.get(f"/api/tickets/{ticket['id']}").headers["ETag"] == saved.headers["ETag"]
    client.post(f"/api/tickets/{ticket['id']}/replies", json={"body": "Hello"})
    assert client.get(f"/api/tickets/{ticket['id']}").headers["ETag"] != saved.headers["ETag"]


def test_a_stale_if_match_is_refused_with_the_current_ticket(client, make_ticket):
    ticket = make_ticket()
    etag = client.get(f"/api/tickets/{ticket['id']}").headers["ETag"]
    client.patch(f"/api/tickets/{ticket['id']}", json={"status": "resolved"})  # the admin
    stale = client.patch(
        f"/api/tickets/{ticket['id']}", json={"note": "mine"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    error = stale.get_json()["error"]
    assert error["code"] == "precondition_failed"
    assert error["current"]["status"] == "resolved"
    assert error["current"]["note"] is None  # nothing of the stale edit was saved
    for bogus in ('"bogus"', "bogus", '""'):
        refused = client.patch(
            f"/api/tickets/{ticket['id']}", json={"note": "x"}, headers={"If-Match": bogus}
        )
        assert refused.status_code == 412, bogus
    fresh = client.get(f"/api/tickets/{ticket['id']}").headers["ETag"]
    ok = client.patch(
        f"/api/tickets/{ticket['id']}", json={"note": "x"}, headers={"If-Match": fresh}
    )
    assert ok.status_code == 200
    assert (
        client.patch(
            f"/api/tickets/{ticket['id']}", json={"note": "y"}, headers={"If-Match": "*"}
        ).status_code
        == 200
    )


def test_concurrent_read_modify_write_with_if_match_loses_no_edit(app, admin_user, make_ticket):
    """20 clients each add their own tag with GET + PATCH(If-Match), retrying on 412: all 20
    tags are kept (without If-Match, most of them were overwritten)."""
    ticket = make_ticket()
    url = f"/api/tickets/{ticket['id']}"
    errors: list[str] = []

    def add_tag(n: int) -> None:
        client = bearer_client(app, admin_user)
        for _ in range(200):
            read = client.get(url)
            tags = read.get_json()["tags"]
            answer = client.patch(
                url, json={"tags": [*tags, f"tag{n}"]}, headers={"If-Match": read.headers["ETag"]}
            )
            if answer.status_code == 200:
                return
            if answer.status_code != 412:
                errors.append(f"{answer.status_code} {answer.get_json()}")
                return
        errors.append(f"tag{n} never saved")

    threads = [threading.Thread(target=add_tag, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    saved = bearer_client(app, admin_user).get(url).get_json()
    assert sorted(saved["tags"]) == sorted(f"tag{n}" for n in range(20))


def test_clients_without_if_match_keep_working(client, make_ticket):
    ticket = make_ticket()
    assert client.patch(f"/api/tickets/{ticket['id']}", json={"note": "a"}).status_code == 200
    assert client.patch(f"/api/tickets/{ticket['id']}", json={"note": "b"}).status_code == 200
