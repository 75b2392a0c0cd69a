-- Two evaluation sessions of a team may not share a name (compared without case), so a name picks one session.
-- Sessions that already share a name keep it on the oldest; the others get their id appended to stay apart.
UPDATE rating_sessions r
SET name = left(r.name, 180) || ' #' || r.id
FROM (SELECT id, row_number() OVER (PARTITION BY team_id, lower(name) ORDER BY created_at, id) AS rn
      FROM rating_sessions) d
WHERE r.id = d.id AND d.rn > 1;

CREATE UNIQUE INDEX rating_sessions_team_name_key ON rating_sessions (team_id, lower(name));
