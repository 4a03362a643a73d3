"""Every GraphQL document the bot sends to GitLab; a test validates and scores each against the schema."""

from __future__ import annotations

# Fields read for an objective and, nested, for each of its initiatives.
_ITEM_FIELDS = """
  id iid title description state webUrl updatedAt closedAt
  workItemType { name }
  widgets {
    type
    ... on WorkItemWidgetAssignees { assignees(first: 100) { nodes { username } } }
    ... on WorkItemWidgetLabels { labels(first: 100) { nodes { title } } }
    ... on WorkItemWidgetStartAndDueDate { startDate dueDate }
"""

_COMMENTS = """
    ... on WorkItemWidgetNotes {
      discussions(filter: ONLY_COMMENTS, first: 100, after: $notesAfter) {
        pageInfo { hasNextPage endCursor }
        nodes { notes(first: 1) { nodes { id body internal author { username } } } }
      }
    }
"""

# Page sizes. GitLab serves at most 100 per page; a plan page stays far below GitLab's 30 s
# request timeout with 50 epics of up to 20 initiatives each (1,050 work items, not 5,050).
# An epic with more initiatives than that gets its further initiatives by CHILDREN_QUERY.
OBJECTIVE_CHILDREN = 100
PLAN_EPICS = 50
PLAN_CHILDREN = 20

_CHILDREN = """
    ... on WorkItemWidgetHierarchy {
      children(first: %d) { pageInfo { hasNextPage endCursor } nodes {"""

# One request for an objective with all it needs: the epic, up to 100 initiatives, and the
# first 100 comment threads (to find the bot's own comment again).
OBJECTIVE_QUERY = (
    "query Objective($fullPath: ID!, $iid: String!, $notesAfter: String) {\n"
    "  namespace(fullPath: $fullPath) { workItem(iid: $iid) {"
    + _ITEM_FIELDS
    + _COMMENTS
    + _CHILDREN % OBJECTIVE_CHILDREN
    + _ITEM_FIELDS
    + """ } } }
    }
  } } }
}
"""
)

# Further comment threads, for objectives with more than 100 of them.
COMMENTS_QUERY = (
    "query Comments($fullPath: ID!, $iid: String!, $notesAfter: String) {\n"
    "  namespace(fullPath: $fullPath) { workItem(iid: $iid) { id widgets { type "
    + _COMMENTS
    + """ } } }
}
"""
)

# A page of a group's epics with their initiatives: one request per page, never one per item.
PLAN_QUERY = (
    "query Plan($fullPath: ID!, $after: String, $updatedAfter: Time, $state: IssuableState,"
    " $closedAfter: Time) {\n"
    "  namespace(fullPath: $fullPath) {\n"
    "    name\n"
    f"    workItems(types: [EPIC], first: {PLAN_EPICS}, after: $after, updatedAfter: $updatedAfter,"
    " state: $state, closedAfter: $closedAfter, includeDescendants: true) {\n"
    "      pageInfo { hasNextPage endCursor }\n"
    "      nodes {"
    + _ITEM_FIELDS
    + _CHILDREN % PLAN_CHILDREN
    + _ITEM_FIELDS
    + """ } } }
    }
  } } } }
}
"""
)

# The further initiatives of an epic with more than a page of them (GitLab allows 5,000).
CHILDREN_QUERY = (
    "query Children($fullPath: ID!, $iid: String!, $after: String) {\n"
    "  namespace(fullPath: $fullPath) { workItem(iid: $iid) { id widgets { type\n"
    "    ... on WorkItemWidgetHierarchy {\n"
    f"      children(first: {OBJECTIVE_CHILDREN}, after: $after) {{\n"
    "        pageInfo { hasNextPage endCursor } nodes {"
    + _ITEM_FIELDS
    + """ } } } }
  } } }
}
"""
)

# Whether the token's user sees a group at all (GitLab answers null otherwise).
VISIBLE_QUERY = """
query Visible($fullPath: ID!) { namespace(fullPath: $fullPath) { id } }
"""

# The parent of an initiative, to re-lint the objective it belongs to.
PARENT_QUERY = """
query Parent($fullPath: ID!, $iid: String!) {
  namespace(fullPath: $fullPath) {
    workItem(iid: $iid) {
      id
      widgets { type ... on WorkItemWidgetHierarchy { parent { id iid webUrl } } }
    }
  }
}
"""

# Every epic, issue and task changed since the checkpoint, with what it takes to find its objective.
CHANGED_QUERY = """
query Changed($fullPath: ID!, $updatedAfter: Time, $after: String) {
  namespace(fullPath: $fullPath) {
    workItems(types: [EPIC, ISSUE, TASK], updatedAfter: $updatedAfter, includeDescendants: true,
              first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id iid webUrl updatedAt
        workItemType { name }
        widgets {
          type
          ... on WorkItemWidgetLabels { labels(first: 50) { nodes { title } } }
          ... on WorkItemWidgetHierarchy { parent { id iid webUrl } }
        }
      }
    }
  }
}
"""

CREATE_NOTE = """
mutation CreateNote($id: NoteableID!, $body: String!, $internal: Boolean) {
  createNote(input: {noteableId: $id, body: $body, internal: $internal}) { note { id body internal } errors }
}
"""
DESTROY_NOTE = """
mutation DestroyNote($id: NoteID!) {
  destroyNote(input: {id: $id}) { errors }
}
"""
UPDATE_NOTE = """
mutation UpdateNote($id: NoteID!, $body: String!) {
  updateNote(input: {id: $id, body: $body}) { note { id body } errors }
}
"""

DOCUMENTS = {
    "Objective": OBJECTIVE_QUERY,
    "Comments": COMMENTS_QUERY,
    "Plan": PLAN_QUERY,
    "Children": CHILDREN_QUERY,
    "Parent": PARENT_QUERY,
    "Visible": VISIBLE_QUERY,
    "Changed": CHANGED_QUERY,
    "CreateNote": CREATE_NOTE,
    "UpdateNote": UPDATE_NOTE,
    "DestroyNote": DESTROY_NOTE,
}
