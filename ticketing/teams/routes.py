"""HTTP only: teams (admins change them, everyone reads them) and agents (who can be assigned,
who is away)."""

from __future__ import annotations

from flask import url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from ..core.access import admin_only, current_user
from ..core.errors import Forbidden
from ..core.extensions import db
from ..core.schemas import ErrorEnvelope
from . import services
from .schemas import (
    AgentList,
    AgentOut,
    AwayIn,
    RuleIn,
    RuleList,
    RuleOut,
    RulePatch,
    TeamIn,
    TeamList,
    TeamOut,
    TeamPatch,
)

blp = Blueprint("teams", __name__, url_prefix="/api/teams", description="Teams (admins edit)")
agents_blp = Blueprint(
    "agents", __name__, url_prefix="/api/agents", description="Who can be assigned tickets"
)


@blp.route("")
class TeamCollection(MethodView):
    @blp.response(200, TeamList)
    def get(self):
        """Every team with its members, by name."""
        return {"items": services.list_teams()}

    @admin_only
    @blp.arguments(TeamIn)
    @blp.response(201, TeamOut)
    @blp.alt_response(409, schema=ErrorEnvelope, description="The name is taken")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Create a team (admins)."""
        team = services.create_team(data)
        db.session.commit()
        return team, 201, {"Location": url_for("teams.TeamItem", team_id=team.id)}


@blp.route("/<int:team_id>")
class TeamItem(MethodView):
    @blp.response(200, TeamOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such team")
    def get(self, team_id):
        """One team."""
        return services.get_team(team_id)

    @admin_only
    @blp.arguments(TeamPatch(partial=True))
    @blp.response(200, TeamOut)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such team")
    @blp.alt_response(409, schema=ErrorEnvelope, description="The name is taken")
    @blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, team_id):
        """Rename, change how tickets are handed out, or set the members (admins)."""
        team = services.update_team(services.get_team(team_id), data)
        db.session.commit()
        return team

    @admin_only
    @blp.response(204)
    @blp.alt_response(404, schema=ErrorEnvelope, description="No such team")
    def delete(self, team_id):
        """Delete a team; its tickets keep their assignee (admins)."""
        services.delete_team(services.get_team(team_id))
        db.session.commit()


@agents_blp.route("")
class AgentCollection(MethodView):
    @agents_blp.response(200, AgentList)
    def get(self):
        """Active users (agents and admins) with their teams and whether they are away."""
        return {"items": services.list_agents()}


@agents_blp.route("/me")
class AgentMe(MethodView):
    @agents_blp.arguments(AwayIn)
    @agents_blp.response(200, AgentOut)
    @agents_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data):
        """Mark yourself away (routing assigns you nothing new) or back."""
        user = current_user()
        if user is None:  # pragma: no cover - every /api route is signed in
            raise Forbidden()
        services.set_away(user, data["away"])
        db.session.commit()
        return user


rules_blp = Blueprint(
    "routing_rules",
    __name__,
    url_prefix="/api/routing-rules",
    description="Routing rules: category/priority/tag -> team (admins edit)",
)


@rules_blp.route("")
class RuleCollection(MethodView):
    @rules_blp.response(200, RuleList)
    def get(self):
        """The rules in the order they are tried (the first match wins)."""
        return {"items": services.list_rules()}

    @admin_only
    @rules_blp.arguments(RuleIn)
    @rules_blp.response(201, RuleOut)
    @rules_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def post(self, data):
        """Add a rule (admins)."""
        rule = services.save_rule(None, data)
        db.session.commit()
        return rule, 201, {"Location": url_for("routing_rules.RuleItem", rule_id=rule.id)}


@rules_blp.route("/<int:rule_id>")
class RuleItem(MethodView):
    @rules_blp.response(200, RuleOut)
    @rules_blp.alt_response(404, schema=ErrorEnvelope, description="No such rule")
    def get(self, rule_id):
        """One rule."""
        return services.get_rule(rule_id)

    @admin_only
    @rules_blp.arguments(RulePatch(partial=True))
    @rules_blp.response(200, RuleOut)
    @rules_blp.alt_response(404, schema=ErrorEnvelope, description="No such rule")
    @rules_blp.alt_response(422, schema=ErrorEnvelope, description="Invalid fields")
    def patch(self, data, rule_id):
        """Change a rule (admins)."""
        rule = services.save_rule(services.get_rule(rule_id), data)
        db.session.commit()
        return rule

    @admin_only
    @rules_blp.response(204)
    @rules_blp.alt_response(404, schema=ErrorEnvelope, description="No such rule")
    def delete(self, rule_id):
        """Delete a rule (admins)."""
        services.delete_rule(services.get_rule(rule_id))
        db.session.commit()
