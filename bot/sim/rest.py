"""The simulator's REST API: the user, group hooks and their events, pipelines, issue notes."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from bot.sim.hooks import Dispatcher
from bot.sim.model import DEVELOPER, OWNER, GitLab, Group, Hook, Pipeline, SimError, User, iso, now

GL = web.AppKey("gitlab", GitLab)
DISPATCHER = web.AppKey("dispatcher", Dispatcher)

routes = web.RouteTableDef()


def user_of(request: web.Request) -> User:
    user: User = request["user"]
    return user


async def params(request: web.Request) -> dict[str, Any]:
    """Query, form and JSON parameters merged, as Grape does."""
    merged: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                merged.update(body)
        else:
            merged.update(await request.post())
    return merged


def as_bool(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).lower() in ("true", "1", "yes")


def paginate(request: web.Request, items: list[Any]) -> web.Response:
    """GitLab's offset pagination with its x-* and Link headers."""
    page = max(1, int(request.query.get("page", "1")))
    per_page = min(100, max(1, int(request.query.get("per_page", "20"))))
    chunk = items[(page - 1) * per_page : page * per_page]
    total_pages = max(1, -(-len(items) // per_page))
    headers = {
        "x-page": str(page),
        "x-per-page": str(per_page),
        "x-total": str(len(items)),
        "x-total-pages": str(total_pages),
        "x-next-page": str(page + 1) if page < total_pages else "",
        "x-prev-page": str(page - 1) if page > 1 else "",
    }
    if page < total_pages:
        url = request.url.update_query(page=page + 1, per_page=per_page)
        headers["Link"] = f'<{url}>; rel="next"'
    return web.json_response(chunk, headers=headers)


def owned_group(request: web.Request) -> Group:
    """The group in the path, when the caller may manage its hooks (Owner, Premium)."""
    gl = request.app[GL]
    group = gl.group(unquote(request.match_info["group"]))
    if gl.access_level(user_of(request), group) < OWNER:
        raise SimError(403, "403 Forbidden")
    if not group.premium:
        raise SimError(404, "404 Not Found")  # group hooks are a Premium feature
    return group


def hook_in(request: web.Request, group: Group) -> Hook:
    hook = request.app[GL].hooks.get(int(request.match_info["hook_id"]))
    if hook is None or hook.group_id != group.id:
        raise SimError(404, "404 Not found")
    return hook


@routes.get("/api/v4/user")
async def current_user(request: web.Request) -> web.Response:
    user = user_of(request)
    return web.json_response(
        {
            "id": user.id,
            "username": user.username,
            "name": user.name,
            "state": "active",
            "bot": user.username.endswith("bot"),
            "web_url": f"{request.app[GL].base_url}/{user.username}",
        }
    )


@routes.get("/api/v4/personal_access_tokens/self")
async def token_self(request: web.Request) -> web.Response:
    """The token's own record: its scopes and expiry (GitLab 15.5+)."""
    user = user_of(request)
    return web.json_response(
        {
            "id": user.id,
            "name": f"{user.username}-token",
            "revoked": False,
            "created_at": "2026-01-05T09:00:00.000Z",
            "scopes": list(user.scopes),
            "user_id": user.id,
            "active": True,
            "expires_at": "2027-01-05",
        }
    )


@routes.get("/api/v4/groups/{group}/descendant_groups")
async def descendant_groups(request: web.Request) -> web.Response:
    """The subgroups (at any depth) the user can see, as GitLab lists them."""
    gl = request.app[GL]
    user = user_of(request)
    group = gl.group(unquote(request.match_info["group"]))
    if not gl.can_read(user, group):
        raise SimError(404, "404 Group Not Found")
    found = [
        {
            "id": g.id,
            "name": g.name,
            "path": g.path,
            "full_path": g.full_path,
            "web_url": f"{gl.base_url}/groups/{g.full_path}",
        }
        for g in gl.descendants(group)
        if g.id != group.id and gl.can_read(user, g)
    ]
    return paginate(request, sorted(found, key=lambda g: str(g["full_path"])))


@routes.get("/api/v4/groups/{group}/members/all/{user_id}")
async def group_member(request: web.Request) -> web.Response:
    """A member of the group, inherited memberships included (404 when not a member)."""
    gl = request.app[GL]
    group = gl.group(unquote(request.match_info["group"]))
    if not gl.can_read(user_of(request), group):
        raise SimError(404, "404 Group Not Found")
    member = gl.users.get(int(request.match_info["user_id"]))
    level = gl.access_level(member, group) if member is not None and not member.admin else 0
    if member is None or level == 0:
        raise SimError(404, "404 Not found")
    return web.json_response({**member.hook_json(), "access_level": level, "state": "active"})


@routes.get("/api/v4/groups/{group}")
async def get_group(request: web.Request) -> web.Response:
    gl = request.app[GL]
    group = gl.group(unquote(request.match_info["group"]))
    return web.json_response(
        {
            "id": group.id,
            "name": group.name,
            "path": group.path,
            "full_path": group.full_path,
            "parent_id": group.parent_id,
            "web_url": f"{gl.base_url}/groups/{group.full_path}",
        }
    )


@routes.get("/api/v4/groups/{group}/labels")
async def group_labels(request: web.Request) -> web.Response:
    gl = request.app[GL]
    group = gl.group(unquote(request.match_info["group"]))
    visible = {g.id for g in gl.ancestors(group)}
    return paginate(
        request,
        [
            {
                "id": label.id,
                "name": label.title,
                "color": label.color,
                "description": None,
                "subscribed": False,
            }
            for label in gl.labels.values()
            if label.group_id in visible
        ],
    )


@routes.get("/api/v4/users")
async def find_users(request: web.Request) -> web.Response:
    gl = request.app[GL]
    wanted = request.query.get("username")
    return paginate(
        request,
        [
            {"id": u.id, "username": u.username, "name": u.name, "state": "active"}
            for u in gl.users.values()
            if wanted in (None, u.username)
        ],
    )


def _pipeline_json(gl: GitLab, pipeline: Pipeline) -> dict[str, Any]:
    project = gl.projects[pipeline.project_id]
    user = gl.users[pipeline.user_id]
    return {
        "id": pipeline.id,
        "iid": pipeline.iid,
        "project_id": project.id,
        "sha": "0" * 40,
        "ref": pipeline.ref,
        "status": pipeline.status,
        "source": pipeline.source,
        "created_at": iso(pipeline.created_at),
        "updated_at": iso(pipeline.created_at),
        "web_url": f"{gl.base_url}/{project.full_path}/-/pipelines/{pipeline.id}",
        "before_sha": "0" * 40,
        "tag": False,
        "yaml_errors": None,
        "user": {"id": user.id, "username": user.username, "name": user.name, "state": "active"},
        "started_at": None,
        "finished_at": None,
        "committed_at": None,
        "duration": None,
        "queued_duration": None,
        "coverage": None,
    }


def _new_pipeline(
    gl: GitLab, project_ref: str, ref: Any, variables: dict[str, str], source: str, user: User
) -> Pipeline:
    project = gl.project(unquote(project_ref))
    if not ref:
        raise SimError(400, "ref is missing")
    count = sum(1 for p in gl.pipelines.values() if p.project_id == project.id)
    pipeline = Pipeline(gl.next_id(), count + 1, project.id, str(ref), source, variables, user.id)
    gl.pipelines[pipeline.id] = pipeline
    return pipeline


@routes.post("/api/v4/projects/{project}/trigger/pipeline")
async def trigger_pipeline(request: web.Request) -> web.Response:
    gl = request.app[GL]
    values = await params(request)
    project = gl.project(unquote(request.match_info["project"]))
    if not values.get("token") or values["token"] not in project.trigger_tokens:
        raise SimError(404, "404 Not Found")
    variables = dict(values.get("variables") or {}) if isinstance(values.get("variables"), dict) else {}
    variables.update({k[10:-1]: str(v) for k, v in values.items() if k.startswith("variables[")})
    owner = next(iter(gl.users.values()))
    pipeline = _new_pipeline(
        gl, request.match_info["project"], values.get("ref"), variables, "trigger", owner
    )
    return web.json_response(_pipeline_json(gl, pipeline), status=201)


@routes.post("/api/v4/projects/{project}/pipeline")
async def create_pipeline(request: web.Request) -> web.Response:
    gl = request.app[GL]
    user = user_of(request)
    project = gl.project(unquote(request.match_info["project"]))
    if gl.access_level(user, gl.groups[project.group_id]) < DEVELOPER:
        raise SimError(403, "403 Forbidden")
    values = await params(request)
    raw = values.get("variables") or []
    variables = {str(v["key"]): str(v["value"]) for v in raw if isinstance(v, dict)}
    pipeline = _new_pipeline(gl, request.match_info["project"], values.get("ref"), variables, "api", user)
    return web.json_response(_pipeline_json(gl, pipeline), status=201)


@routes.get("/api/v4/projects/{project}/pipelines")
async def list_pipelines(request: web.Request) -> web.Response:
    gl = request.app[GL]
    project = gl.project(unquote(request.match_info["project"]))
    after = request.query.get("updated_after")
    since = dt.datetime.fromisoformat(after.replace("Z", "+00:00")) if after else None
    found = [
        _pipeline_json(gl, p)
        for p in sorted(gl.pipelines.values(), key=lambda p: -p.id)
        if p.project_id == project.id and (since is None or p.created_at > since)
    ]
    return paginate(request, found)


@routes.get("/api/v4/projects/{project}/pipelines/{pipeline_id}/variables")
async def pipeline_variables(request: web.Request) -> web.Response:
    gl = request.app[GL]
    project = gl.project(unquote(request.match_info["project"]))
    pipeline = gl.pipelines.get(int(request.match_info["pipeline_id"]))
    if pipeline is None or pipeline.project_id != project.id:
        raise SimError(404, "404 Not found")
    return web.json_response(
        [{"key": k, "value": v, "variable_type": "env_var"} for k, v in pipeline.variables.items()]
    )


def _issue(request: web.Request) -> Any:
    gl = request.app[GL]
    project = gl.project(unquote(request.match_info["project"]))
    item = gl.item_by_iid(project.full_path, int(request.match_info["iid"]))
    if item is None:
        raise SimError(404, "404 Issue Not Found")
    return item


def _note_json(gl: GitLab, note: Any, item: Any) -> dict[str, Any]:
    author = gl.users[note.author_id]
    return {
        "id": note.id,
        "type": None,
        "body": note.body,
        "system": note.system,
        "author": {"id": author.id, "username": author.username, "name": author.name},
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
        "noteable_id": item.id,
        "noteable_type": "Issue",
        "noteable_iid": item.iid,
        "internal": note.internal,
        "confidential": note.internal,
    }


@routes.get("/api/v4/projects/{project}/issues/{iid}/notes")
async def list_notes(request: web.Request) -> web.Response:
    gl, item = request.app[GL], _issue(request)
    return paginate(request, [_note_json(gl, n, item) for n in gl.notes_of(item)])


@routes.post("/api/v4/projects/{project}/issues/{iid}/notes")
async def create_note(request: web.Request) -> web.Response:
    gl, item = request.app[GL], _issue(request)
    body = (await params(request)).get("body")
    if not body:
        return web.json_response({"error": "body is missing"}, status=400)
    note = gl.add_note(item, user_of(request), str(body))
    return web.json_response(_note_json(gl, note, item), status=201)


@routes.put("/api/v4/projects/{project}/issues/{iid}/notes/{note_id}")
async def update_note(request: web.Request) -> web.Response:
    gl, item = request.app[GL], _issue(request)
    note = gl.notes.get(int(request.match_info["note_id"]))
    if note is None or note.item_id != item.id:
        raise SimError(404, "404 Note Not Found")
    if note.author_id != user_of(request).id:
        raise SimError(403, "403 Forbidden")
    note.body, note.updated_at = str((await params(request)).get("body", note.body)), now()
    return web.json_response(_note_json(gl, note, item))
