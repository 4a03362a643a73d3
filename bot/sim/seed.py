"""Loads a YAML plan into the simulator: users, groups, labels, projects, objectives, initiatives.

The format (every key but ``path``/``title``/``username`` optional)::

    users:
      - {username: dana.csm, name: Dana Park, token: dana-token, scopes: [api]}
    bot: {username: success-plan-bot, token: bot-token}  # a member of the groups it reads (below)
    admin: {username: root, token: admin-token}
    groups:
      - path: account-management              # full path; parents are created as needed
        premium: true
        visibility: private                    # or public; private groups are seen by members only
        work_items: true                       # false: Namespace.workItems is null, as on GitLab < 18.1
        owners: [dana.csm]
        members: {success-plan-bot: 20}        # access levels: 10 Guest, 20 Reporter, 30 Developer
      - path: account-management/acme
        projects:
          - path: success-plan                 # where initiatives (issues) live
          - path: success-plan-deck
            trigger_tokens: [glptt-acme-deck]
        objectives:
          - title: Reduce cycle time for the payments team
            description: "## Summary\\n..."
            labels: [SP Objective, "SP Objective::Status::On Track"]
            assignees: [dana.csm]
            start_date: 2026-07-01
            due_date: 2027-03-31
            state: opened                        # or closed; closed_at implies closed
            created_at: 2026-06-15               # created_at, updated_at, closed_at: history
            initiatives:
              - {project: success-plan, title: Migrate pipelines, due_date: 2027-01-15,
                 assignees: [dana.csm], labels: ["SP Initiative::Status::On Track"]}
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.sim.model import OWNER, GitLab, Group, Project, User


def _user(gl: GitLab, spec: dict[str, Any], **flags: Any) -> User:
    username = str(spec["username"])
    existing = next((u for u in gl.users.values() if u.username == username), None)
    if existing is not None:
        return existing
    user = User(gl.next_id(), username, str(spec.get("name") or username), spec.get("token"), **flags)
    if spec.get("scopes"):
        user.scopes = [str(s) for s in spec["scopes"]]
    gl.users[user.id] = user
    return user


def _group(gl: GitLab, full_path: str) -> Group:
    found = next((g for g in gl.groups.values() if g.full_path == full_path), None)
    if found is not None:
        return found
    parent_path, _, path = full_path.rpartition("/")
    parent = _group(gl, parent_path) if parent_path else None
    group = Group(
        gl.next_id(), path, path.replace("-", " ").title(), parent.id if parent else None, full_path
    )
    gl.groups[group.id] = group
    return group


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _fields(gl: GitLab, group: Group, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": str(spec.get("description") or ""),
        "label_ids": [gl.label_for(group, str(t)).id for t in spec.get("labels") or []],
        "assignee_ids": [gl.user_by_name(str(u)).id for u in spec.get("assignees") or []],
        "start_date": _date(spec.get("start_date")),
        "due_date": _date(spec.get("due_date")),
        "state": "closed" if spec.get("state") == "closed" or spec.get("closed_at") else "opened",
        "confidential": bool(spec.get("confidential", False)),
        # History, for plans that were closed last month or untouched since spring.
        **{key: _moment(spec[key]) for key in ("created_at", "updated_at", "closed_at") if spec.get(key)},
    }


def _moment(value: Any) -> dt.datetime:
    """A seed timestamp: a date (midnight UTC) or an ISO date-time."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def load(gl: GitLab, plan: dict[str, Any]) -> None:
    """Add everything in *plan* to *gl*, without firing webhooks (it is set-up, not activity)."""
    admin = _user(gl, plan.get("admin") or {"username": "root", "name": "Administrator"}, admin=True)
    if plan.get("bot"):
        _user(gl, plan["bot"])
    for spec in plan.get("users") or []:
        _user(gl, spec)
    for spec in plan.get("groups") or []:
        group = _group(gl, str(spec["path"]))
        group.premium = bool(spec.get("premium", True))
        group.visibility = str(spec.get("visibility", group.visibility))
        group.work_items = bool(spec.get("work_items", group.work_items))
        for owner in spec.get("owners") or []:
            group.members[gl.user_by_name(str(owner)).id] = OWNER
        for member, level in (spec.get("members") or {}).items():
            group.members[gl.user_by_name(str(member)).id] = int(level)
        for title in spec.get("labels") or []:
            gl.label_for(group, str(title))
        projects = {p.path: p for p in gl.projects.values() if p.group_id == group.id}
        for pspec in spec.get("projects") or []:
            path = str(pspec["path"])
            project = Project(
                gl.next_id(),
                path,
                str(pspec.get("name") or path),
                group.id,
                f"{group.full_path}/{path}",
                trigger_tokens=list(pspec.get("trigger_tokens") or []),
            )
            gl.projects[project.id] = project
            projects[path] = project
        for ospec in spec.get("objectives") or []:
            epic = gl.create_item(
                type_="Epic",
                title=str(ospec["title"]),
                author=admin,
                group=group,
                emit=False,
                **_fields(gl, group, ospec),
            )
            for ispec in ospec.get("initiatives") or []:
                home = projects.get(str(ispec.get("project"))) or next(iter(projects.values()), None)
                if home is None:
                    raise ValueError(f"group {group.full_path}: initiatives need a project")
                gl.create_item(
                    type_=str(ispec.get("type", "Issue")),
                    title=str(ispec["title"]),
                    author=admin,
                    project=home,
                    emit=False,
                    parent_id=epic.id,
                    **_fields(gl, group, ispec),
                )
