"""Team rules: unique names, members who are active users. Services flush; callers commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.errors import Conflict, InvalidInput, NotFound
from ..core.extensions import db
from ..models import RoutingRule, Team, User


def list_teams() -> list[Team]:
    return list(
        db.session.scalars(select(Team).options(selectinload(Team.members)).order_by(Team.name))
    )


def get_team(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        raise NotFound(f"Team {team_id}")
    return team


def find_team(name: str) -> Team | None:
    return db.session.scalar(select(Team).where(Team.name == name.strip()))


def _members(ids: list[int]) -> list[User]:
    wanted = list(dict.fromkeys(ids))
    users = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted))) if u.active
    }
    missing = [i for i in wanted if i not in users]
    if missing:
        raise InvalidInput(fields={"member_ids": ["No active user has one of these ids."]})
    return [users[i] for i in wanted]


def _check_name(name: str, team: Team | None = None) -> None:
    other = find_team(name)
    if other is not None and other is not team:
        raise Conflict(f"A team named {name!r} exists.", fields={"name": ["Already taken."]})


def create_team(data: dict[str, Any]) -> Team:
    _check_name(data["name"])
    team = Team(name=data["name"], assignment=data["assignment"])
    team.members = _members(data.get("member_ids", []))
    if data.get("lead_id") is not None:
        _set_lead(team, data["lead_id"])
    db.session.add(team)
    db.session.flush()
    return team


def _set_lead(team: Team, user_id: int | None) -> None:
    """The team's lead: an active user, who becomes a member if not one yet (None: no lead)."""
    if user_id is None:
        team.lead_id = None
        return
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        raise InvalidInput(fields={"lead_id": ["No active user has this id."]})
    if user not in team.members:
        team.members.append(user)
    team.lead_id = user.id


def update_team(team: Team, data: dict[str, Any]) -> Team:
    if "name" in data:
        _check_name(data["name"], team)
        team.name = data["name"]
    if "assignment" in data:
        team.assignment = data["assignment"]
    if "member_ids" in data:
        team.members = _members(data["member_ids"])
    if "lead_id" in data:
        _set_lead(team, data["lead_id"])
    elif team.lead_id is not None and team.lead_id not in {m.id for m in team.members}:
        team.lead_id = None  # the lead left the team
    db.session.flush()
    return team


def delete_team(team: Team) -> None:
    """Delete a team; its tickets keep their assignee and lose the team (SET NULL)."""
    db.session.delete(team)
    db.session.flush()


def add_member(team: Team, user: User) -> None:
    if not user.active:
        raise InvalidInput(f"{user.email} is disabled.")
    if user not in team.members:
        team.members.append(user)
    db.session.flush()


def remove_member(team: Team, user: User) -> None:
    if user in team.members:
        team.members.remove(user)
    if team.lead_id == user.id:
        team.lead_id = None
    db.session.flush()


def list_agents() -> list[User]:
    """Active users who may be assigned tickets, by name."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.active.is_(True))
            .options(selectinload(User.teams))
            .order_by(User.name, User.id)
        )
    )


def set_away(user: User, away: bool) -> User:
    user.away = away
    db.session.flush()
    return user


def list_rules() -> list[RoutingRule]:
    return list(
        db.session.scalars(select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id))
    )


def get_rule(rule_id: int) -> RoutingRule:
    rule = db.session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"Routing rule {rule_id}")
    return rule


def save_rule(rule: RoutingRule | None, data: dict[str, Any]) -> RoutingRule:
    """Create (``rule`` None) or change a routing rule; its team must exist."""
    if "team_id" in data and db.session.get(Team, data["team_id"]) is None:
        raise InvalidInput(fields={"team_id": ["No team has this id."]})
    if rule is None:
        rule = RoutingRule()
        db.session.add(rule)
    for key, value in data.items():
        setattr(rule, key, value)
    db.session.flush()
    return rule


def delete_rule(rule: RoutingRule) -> None:
    db.session.delete(rule)
    db.session.flush()
