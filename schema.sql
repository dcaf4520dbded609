-- schema.sql: the one source of the DDL for an Asana-like organization in SQLite.
--
-- Conventions (a public contract for people's SQL):
--   * Entity ids are INTEGER PRIMARY KEY holding Asana-style 16-digit gids.
--   * Foreign keys are named <thing>_id and every one is declared; the generator writes with
--     PRAGMA foreign_keys=ON.
--   * Timestamps are TEXT, ISO-8601 UTC with milliseconds and a Z: 2026-05-03T14:22:05.123Z.
--   * Dates are TEXT YYYY-MM-DD.  Booleans are INTEGER 0/1.
--   * Field names and enums follow Asana's official API (asana_oas.yaml).
-- The loader splits statements with sqlite3.complete_statement: tables first, then the
-- CREATE INDEX statements, which it runs after the bulk insert.

-- The organization itself (Asana: a workspace that is an organization).
CREATE TABLE workspaces (
    id              INTEGER PRIMARY KEY,
    name            TEXT NOT NULL,
    email_domain    TEXT NOT NULL,          -- every user's email ends with @email_domain
    industry        TEXT NOT NULL,          -- one of the ten supported industries
    created_at      TEXT NOT NULL
);

-- People.  created_at is the day they joined; left_at is set for people who left during the
-- history window: they have no activity after it and their open work was reassigned.
CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id),
    name            TEXT NOT NULL,
    email           TEXT NOT NULL UNIQUE,
    job_title       TEXT NOT NULL,
    timezone        TEXT NOT NULL,          -- IANA zone, e.g. America/Chicago; local working hours
    country_code    TEXT NOT NULL,          -- ISO 3166-1 alpha-2; whose public holidays they keep
    manager_id      INTEGER REFERENCES users(id),  -- NULL for the top of the company
    is_active       INTEGER NOT NULL,       -- 0 exactly when left_at is set
    created_at      TEXT NOT NULL,
    left_at         TEXT
);

-- Personal time off (Asana: a workspace membership's vacation_dates {start_on, end_on}, now
-- its ooo_entries {start_date, end_date}): the person does nothing from start_on to end_on
-- (local dates, inclusive) and is back on the next working day.  kind: vacation | sick |
-- training | parental.  created_at is when the entry was made (ahead for planned absences,
-- that morning for sick days); entries may lie after the anchor when booked before it.
CREATE TABLE time_off (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    kind            TEXT NOT NULL,
    start_on        TEXT NOT NULL,
    end_on          TEXT NOT NULL,          -- the last day away, >= start_on
    created_at      TEXT NOT NULL
);

-- Teams by business function.
CREATE TABLE teams (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

-- Who is in which team.  is_admin marks the team's manager(s); is_primary the person's home
-- team (exactly one per user).
CREATE TABLE team_memberships (
    team_id         INTEGER NOT NULL REFERENCES teams(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    is_admin        INTEGER NOT NULL,
    is_primary      INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

-- Projects belong to one team.  privacy_setting: public_to_workspace | private_to_team |
-- private; default_view: list | board | calendar | timeline; color: Asana's palette.
-- A project's start_on is before its due_on; completed <=> completed_at is set.
CREATE TABLE projects (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id),
    team_id         INTEGER NOT NULL REFERENCES teams(id),
    owner_id        INTEGER NOT NULL REFERENCES users(id),
    name            TEXT NOT NULL,
    notes           TEXT NOT NULL,
    color           TEXT,
    privacy_setting TEXT NOT NULL,
    default_view    TEXT NOT NULL,
    archived        INTEGER NOT NULL,
    start_on        TEXT,
    due_on          TEXT,
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,          -- >= the last event of the tasks created in it
    completed       INTEGER NOT NULL,
    completed_at    TEXT,
    completed_by_id INTEGER REFERENCES users(id)
);

-- Project members.  access_level: admin | editor | commenter | viewer.  Members come from the
-- project's team; is_guest marks the few explicit members from outside it.
CREATE TABLE project_memberships (
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    access_level    TEXT NOT NULL,
    is_guest        INTEGER NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);

-- Sections (list groups or board columns), ordered by position.  workflow_state says which
-- stage of a task's life the column stands for on a board (backlog, todo, in_progress,
-- blocked, review, done); NULL for list sections, which group work by phase.
CREATE TABLE sections (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    name            TEXT NOT NULL,
    position        INTEGER NOT NULL,
    workflow_state  TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (project_id, position)
);

-- Tasks and subtasks (parent_id set).  resource_subtype: default_task | milestone | approval.
-- Asana's rules hold: completed <=> completed_at and completed_by_id set; approval_status is
-- NULL except for approvals, where it is 'pending' exactly while incomplete (else approved |
-- rejected | changes_requested); milestones have no start_on; due_on and due_at are never both
-- set; start_on needs a due date and comes before it.  modified_at >= the last story's time.
CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id),
    parent_id       INTEGER REFERENCES tasks(id),
    name            TEXT NOT NULL,
    notes           TEXT NOT NULL,          -- the description; '' when there is none
    resource_subtype TEXT NOT NULL,
    approval_status TEXT,
    assignee_id     INTEGER REFERENCES users(id),
    created_by_id   INTEGER NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    modified_at     TEXT NOT NULL,
    start_on        TEXT,
    due_on          TEXT,
    due_at          TEXT,                   -- a due time instead of a due day, for a few tasks
    completed       INTEGER NOT NULL,
    completed_at    TEXT,
    completed_by_id INTEGER REFERENCES users(id)
);

-- Which project (and section) a top-level task lives in; a few are multi-homed in a second
-- project of the same team.  Subtasks have no row: they reach the project through parent_id.
CREATE TABLE task_memberships (
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    section_id      INTEGER NOT NULL REFERENCES sections(id),
    position        INTEGER NOT NULL,       -- order inside the section
    is_primary      INTEGER NOT NULL,       -- 1 for the project the task was created in
    PRIMARY KEY (task_id, project_id)
);

-- task_id is blocked by (depends on) depends_on_id; both in the same project, no cycles.
CREATE TABLE task_dependencies (
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    depends_on_id   INTEGER NOT NULL REFERENCES tasks(id),
    PRIMARY KEY (task_id, depends_on_id)
);

-- People notified of a task's activity: its creator, assignees, commenters and a few others.
CREATE TABLE task_followers (
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (task_id, user_id)
);

-- The event log of every task.  type: comment | system.  resource_subtype (Asana's names):
-- comment_added; added_to_project (creation, with new_section_id), assigned, unassigned,
-- marked_complete, marked_incomplete, section_changed, due_date_changed, name_changed,
-- enum_custom_field_changed.  Replaying the system stories in (created_at, id) order gives
-- each task's final state: the last assigned/unassigned gives assignee_id, the last
-- marked_complete/marked_incomplete gives completed, the last section move per project gives
-- the section, the last due_date_changed gives due_on/due_at, the last name_changed the name,
-- the last enum_custom_field_changed per field the enum value.
CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    created_by_id   INTEGER NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL,
    type            TEXT NOT NULL,
    resource_subtype TEXT NOT NULL,
    text            TEXT NOT NULL,          -- the comment, or the system story as Asana shows it
    assignee_id     INTEGER REFERENCES users(id),        -- assigned: the new assignee
    project_id      INTEGER REFERENCES projects(id),     -- section moves and added_to_project
    old_section_id  INTEGER REFERENCES sections(id),
    new_section_id  INTEGER REFERENCES sections(id),
    old_due_on      TEXT,
    new_due_on      TEXT,
    old_due_at      TEXT,
    new_due_at      TEXT,
    old_name        TEXT,
    new_name        TEXT,
    custom_field_id INTEGER REFERENCES custom_fields(id),
    old_enum_option_id INTEGER REFERENCES custom_field_enum_options(id),
    new_enum_option_id INTEGER REFERENCES custom_field_enum_options(id)
);

-- Custom field definitions.  resource_subtype: text | number | enum | multi_enum | date |
-- people.  precision and format (none | currency | percentage) apply to numbers;
-- currency_code to currency numbers.
CREATE TABLE custom_fields (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    resource_subtype TEXT NOT NULL,
    precision       INTEGER,
    format          TEXT,
    currency_code   TEXT,
    created_at      TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

-- Options of enum and multi_enum fields, ordered by position.
CREATE TABLE custom_field_enum_options (
    id              INTEGER PRIMARY KEY,
    custom_field_id INTEGER NOT NULL REFERENCES custom_fields(id),
    name            TEXT NOT NULL,
    color           TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    position        INTEGER NOT NULL
);

-- Which fields a project shows; is_important fields appear in the project's list view.
CREATE TABLE custom_field_settings (
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    custom_field_id INTEGER NOT NULL REFERENCES custom_fields(id),
    is_important    INTEGER NOT NULL,
    PRIMARY KEY (project_id, custom_field_id)
);

-- The values (an entity-attribute-value table): one row per task and field, only for fields
-- enabled on the task's project.  Exactly one typed column is set, by the field's subtype:
-- text -> text_value, number -> number_value, enum -> enum_option_id, date -> date_value.
-- multi_enum and people rows set display_value (names joined by ', ') and list their members
-- in custom_field_value_options and custom_field_value_people.
CREATE TABLE custom_field_values (
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    custom_field_id INTEGER NOT NULL REFERENCES custom_fields(id),
    text_value      TEXT,
    number_value    REAL,
    enum_option_id  INTEGER REFERENCES custom_field_enum_options(id),
    date_value      TEXT,
    display_value   TEXT NOT NULL,          -- the value as Asana displays it
    PRIMARY KEY (task_id, custom_field_id)
);

-- The chosen options of a multi_enum value.
CREATE TABLE custom_field_value_options (
    task_id         INTEGER NOT NULL,
    custom_field_id INTEGER NOT NULL,
    enum_option_id  INTEGER NOT NULL REFERENCES custom_field_enum_options(id),
    PRIMARY KEY (task_id, custom_field_id, enum_option_id),
    FOREIGN KEY (task_id, custom_field_id) REFERENCES custom_field_values(task_id, custom_field_id)
);

-- The chosen people of a people value.
CREATE TABLE custom_field_value_people (
    task_id         INTEGER NOT NULL,
    custom_field_id INTEGER NOT NULL,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (task_id, custom_field_id, user_id),
    FOREIGN KEY (task_id, custom_field_id) REFERENCES custom_field_values(task_id, custom_field_id)
);

-- Workspace labels (Asana's tags), from the industry's vocabulary; color from Asana's palette.
CREATE TABLE tags (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id),
    name            TEXT NOT NULL,
    color           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (workspace_id, name)
);

-- Which tags a task carries.
CREATE TABLE task_tags (
    task_id         INTEGER NOT NULL REFERENCES tasks(id),
    tag_id          INTEGER NOT NULL REFERENCES tags(id),
    PRIMARY KEY (task_id, tag_id)
);

-- Project status updates.  status_type: on_track | at_risk | off_track | on_hold | complete |
-- dropped (a cancelled project).
CREATE TABLE status_updates (
    id              INTEGER PRIMARY KEY,
    project_id      INTEGER NOT NULL REFERENCES projects(id),
    author_id       INTEGER NOT NULL REFERENCES users(id),
    status_type     TEXT NOT NULL,
    title           TEXT NOT NULL,
    text            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

-- How this file was made: everything needed to reproduce it, and how long it took.  Excluded
-- from the content fingerprint (its timings differ between runs).  Never holds a secret.
CREATE TABLE generation_runs (
    id              INTEGER PRIMARY KEY,
    seed            INTEGER NOT NULL,
    anchor          TEXT NOT NULL,          -- the end of the history: nothing is dated after it
    config_json     TEXT NOT NULL,          -- the full resolved config, canonical JSON
    program_version TEXT NOT NULL,
    versions_json   TEXT NOT NULL,          -- python, numpy, faker, holidays, sqlite versions
    stage_seconds_json TEXT NOT NULL,
    row_counts_json TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,          -- SHA-256 over every other table, see `fingerprint`
    started_at      TEXT NOT NULL,          -- wall clock of the run itself
    finished_at     TEXT NOT NULL,
    llm_json        TEXT                    -- LLM tier: provider, model, fields, calls, tokens,
                                            -- cache hits, fallbacks, cost; NULL when it was off
);

-- optional: created by `push` when it first runs on a file, never by the generator.  What push
-- has replayed into an Asana workspace: per local object (or per step, which kind names) the
-- gid Asana gave it, so a rerun after Ctrl-C or a crash skips what is done and creates no
-- duplicate.  remote_gid is '' for a step that creates nothing (added links) and for a user
-- with no account in the workspace.  Excluded from the content fingerprint.
CREATE TABLE push_map (
    workspace_gid   TEXT NOT NULL,          -- the Asana workspace pushed to
    kind            TEXT NOT NULL,          -- team, project, section, task, story, ... or a step
    local_gid       INTEGER NOT NULL,       -- the id in this file
    remote_gid      TEXT NOT NULL,          -- the gid in Asana
    PRIMARY KEY (workspace_gid, kind, local_gid)
);

CREATE INDEX idx_users_workspace ON users(workspace_id);
CREATE INDEX idx_time_off_user ON time_off(user_id, start_on);
CREATE INDEX idx_team_memberships_user ON team_memberships(user_id);
CREATE INDEX idx_projects_team ON projects(team_id);
CREATE INDEX idx_projects_owner ON projects(owner_id);
CREATE INDEX idx_project_memberships_user ON project_memberships(user_id);
CREATE INDEX idx_sections_project ON sections(project_id);
CREATE INDEX idx_tasks_parent ON tasks(parent_id);
CREATE INDEX idx_tasks_assignee ON tasks(assignee_id, completed);
CREATE INDEX idx_tasks_due_on ON tasks(due_on);
CREATE INDEX idx_tasks_completed_at ON tasks(completed_at);
CREATE INDEX idx_task_memberships_project ON task_memberships(project_id, section_id);
CREATE INDEX idx_task_dependencies_depends_on ON task_dependencies(depends_on_id);
CREATE INDEX idx_task_followers_user ON task_followers(user_id);
CREATE INDEX idx_stories_task ON stories(task_id, created_at);
CREATE INDEX idx_stories_created_by ON stories(created_by_id);
CREATE INDEX idx_enum_options_field ON custom_field_enum_options(custom_field_id);
CREATE INDEX idx_custom_field_settings_field ON custom_field_settings(custom_field_id);
CREATE INDEX idx_custom_field_values_field ON custom_field_values(custom_field_id, enum_option_id);
CREATE INDEX idx_task_tags_tag ON task_tags(tag_id);
CREATE INDEX idx_status_updates_project ON status_updates(project_id, created_at);
