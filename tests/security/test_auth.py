"""engine.security.auth: the permission matrix, users file, password checks, lockout and rehash."""

from __future__ import annotations

import json
import multiprocessing
import stat

import pytest
from argon2 import PasswordHasher

from engine.core.errors import AccessDenied, ConfigError
from engine.security import auth
from engine.security.auth import ACTIONS, PERMISSIONS, ROLES, User, UserDirectory, allowed, require

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.usefixtures("fast_hashing")  # real argon2 costs are for production

#: The matrix as docs/security.md states it, written out independently of PERMISSIONS.
EXPECTED = {
    "analyst": {"upload", "analyze", "view_overview", "view_benchmarks"},
    "investigator": {
        "analyze",
        "view_overview",
        "view_benchmarks",
        "view_cluster",
        "view_entity",
        "search",
        "follow_money",
        "export",
        "export_identified",
        "record_decision",
        "annotate",
        "manage_watchlist",
    },
    "admin": set(ACTIONS),
}


def test_every_action_has_a_rule_and_every_rule_an_action():
    assert set(PERMISSIONS) == set(ACTIONS)
    assert all(roles <= set(ROLES) for roles in PERMISSIONS.values())


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_each_role_is_allowed_exactly_its_actions(role, action):
    user = User("u", role)
    expected = action in EXPECTED[role]
    assert allowed(user, action) is expected
    if expected:
        assert require(user, action) is user
    else:
        with pytest.raises(AccessDenied, match=action.replace("_", " ")):
            require(user, action)


def test_admin_can_do_everything_an_investigator_can():
    assert all(
        allowed(User("a", "admin"), a) for a in ACTIONS if allowed(User("i", "investigator"), a)
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_nobody_and_disabled_users_are_refused_everything(action):
    assert not allowed(None, action)
    assert not allowed(User("a", "admin", disabled=True), action)
    with pytest.raises(AccessDenied, match="nobody is signed in"):
        require(None, action)


def test_an_unknown_action_is_an_error_not_a_silent_answer():
    with pytest.raises(ValueError, match="unknown action"):
        allowed(User("a", "admin"), "delete_everything")


def test_add_and_authenticate(isolated_home):
    users = UserDirectory()
    added = users.add("ana", "analyst", PASSWORD)
    assert added == User("ana", "analyst")
    assert auth.authenticate("ana", PASSWORD) == User("ana", "analyst")
    assert auth.authenticate("ana", PASSWORD + "x") is None
    assert auth.authenticate("nobody", PASSWORD) is None
    assert auth.authenticate("", PASSWORD) is None
    path = isolated_home / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert PASSWORD not in text and "$argon2id$" in text


def test_users_file_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MONEYTRAIL_USERS_FILE", str(tmp_path / "elsewhere.json"))
    UserDirectory().add("ivo", "investigator", PASSWORD)
    assert (tmp_path / "elsewhere.json").exists()
    assert auth.authenticate("ivo", PASSWORD).role == "investigator"


def test_disabled_users_cannot_sign_in_and_enabled_again_can():
    users = UserDirectory()
    users.add("ivo", "investigator", PASSWORD)
    users.disable("ivo")
    assert users.get("ivo").disabled
    assert auth.authenticate("ivo", PASSWORD) is None
    users.enable("ivo")
    assert auth.authenticate("ivo", PASSWORD) == User("ivo", "investigator")


def test_set_role_and_password():
    users = UserDirectory()
    users.add("ivo", "investigator", PASSWORD)
    assert users.set_role("ivo", "admin").role == "admin"
    users.set_password("ivo", "another long password")
    assert auth.authenticate("ivo", PASSWORD) is None
    assert auth.authenticate("ivo", "another long password").role == "admin"


@pytest.mark.parametrize(
    ("name", "role", "password", "message"),
    [
        ("../etc/passwd", "admin", PASSWORD, "invalid user name"),
        ("a\nb", "admin", PASSWORD, "invalid user name"),
        ("", "admin", PASSWORD, "invalid user name"),
        ("ok", "root", PASSWORD, "unknown role"),
        ("ok", "admin", "short", "too short"),
    ],
)
def test_invalid_users_are_refused(name, role, password, message):
    with pytest.raises(ConfigError, match=message):
        UserDirectory().add(name, role, password)
    assert UserDirectory().list() == []


def test_duplicate_and_missing_users():
    users = UserDirectory()
    users.add("ana", "analyst", PASSWORD)
    with pytest.raises(ConfigError, match="exists already"):
        users.add("ana", "admin", PASSWORD)
    with pytest.raises(ConfigError, match="no user"):
        users.disable("ghost")
    assert users.get("ana").role == "analyst"


def test_oidc_users_have_no_password():
    users = UserDirectory()
    users.add("ivo@fiu.example", "investigator", oidc=True)
    assert auth.authenticate("ivo@fiu.example", "") is None
    assert users.oidc_user("ivo@fiu.example") == User("ivo@fiu.example", "investigator", oidc=True)
    users.disable("ivo@fiu.example")
    assert users.oidc_user("ivo@fiu.example") is None
    with pytest.raises(ConfigError, match="not both"):
        users.add("x", "admin", PASSWORD, oidc=True)
    users.add("pw", "admin", PASSWORD)
    assert users.oidc_user("pw") is None  # a password user cannot come in through OIDC


def test_lockout_after_repeated_failures(monkeypatch):
    users = UserDirectory()
    users.add("ana", "analyst", PASSWORD)
    for _ in range(auth.MAX_FAILURES):
        assert auth.authenticate("ana", "wrong password!!") is None
    assert auth.authenticate("ana", PASSWORD) is None  # locked, even with the right password
    monkeypatch.setattr(auth, "LOCKOUT_SECONDS", 0.0)
    assert auth.authenticate("ana", PASSWORD) == User("ana", "analyst")
    record = json.loads(users.path.read_text())["users"]["ana"]
    assert record["failures"] == 0


def test_simultaneous_attempts_get_no_more_guesses_than_the_limit(monkeypatch):
    """49 sign-ins at once (48 wrong, the right one in the middle): the password is checked
    against the real hash at most MAX_FAILURES times, so a burst buys no extra guesses."""
    import threading

    users = UserDirectory()
    users.add("ana", "analyst", PASSWORD)
    stored = json.loads(users.path.read_text())["users"]["ana"]["hash"]
    real_verify = auth._HASHER.verify
    checked = []

    class Counting:
        def __getattr__(self, name):
            return getattr(real_verify.__self__, name)

        def verify(self, hashed, password):
            if hashed == stored:
                checked.append(password)
            return real_verify(hashed, password)

    monkeypatch.setattr(auth, "_HASHER", Counting())
    start = threading.Barrier(49)
    results = []

    def attempt(password):
        start.wait()
        results.append((password, auth.authenticate("ana", password)))

    guesses = [f"wrong guess number {i:02d}" for i in range(48)]
    guesses.insert(24, PASSWORD)
    threads = [threading.Thread(target=attempt, args=(g,)) for g in guesses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(checked) <= auth.MAX_FAILURES
    signed_in = [p for p, user in results if user is not None]
    assert signed_in in ([], [PASSWORD])
    assert signed_in == [] or PASSWORD in checked


def test_old_parameters_are_rehashed_on_sign_in():
    users = UserDirectory()
    users.add("ana", "analyst", PASSWORD)
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    data = json.loads(users.path.read_text())
    data["users"]["ana"]["hash"] = weak
    users.path.write_text(json.dumps(data))
    assert auth.authenticate("ana", PASSWORD) == User("ana", "analyst")
    rehashed = json.loads(users.path.read_text())["users"]["ana"]["hash"]
    assert rehashed != weak and not auth._HASHER.check_needs_rehash(rehashed)
    assert auth.authenticate("ana", PASSWORD) is not None


def test_a_damaged_users_file_is_a_clear_error(isolated_home):
    isolated_home.mkdir(parents=True)
    (isolated_home / "users.json").write_text("{oops")
    with pytest.raises(ConfigError, match=r"users\.json"):
        auth.authenticate("ana", PASSWORD)


def _add_many(path: str, prefix: str) -> None:  # runs in a child process
    users = UserDirectory(path)
    for i in range(5):
        users.add(f"{prefix}{i}", "analyst", oidc=True)


def test_concurrent_writers_lose_no_user(tmp_path):
    path = str(tmp_path / "users.json")
    ctx = multiprocessing.get_context("spawn")
    children = [ctx.Process(target=_add_many, args=(path, p)) for p in ("a", "b")]
    for child in children:
        child.start()
    for child in children:
        child.join(60)
        assert child.exitcode == 0
    assert len(UserDirectory(path).list()) == 10
