/* Who tickets can be assigned to, and the teams: fetched once per page load (GET /api/agents,
 * GET /api/teams) and shared by the views (menus, list columns, the conflict dialog). */

import { api, listOf } from "./api.js";

let agents = null;
let teams = null;

export async function loadPeople(force = false) {
  if (force || !agents || !teams) {
    const [a, t] = await Promise.all([api("GET", "/api/agents"), api("GET", "/api/teams")]);
    agents = listOf(a);
    teams = listOf(t);
  }
  return { agents, teams };
}

/** A name for a user id or a team id (from the cache; "#7" when not known). */
export function agentName(id) {
  if (id === null || id === undefined || id === "") return "nobody";
  const found = (agents || []).find((a) => a.id === Number(id));
  return found ? found.name : `#${id}`;
}

export function teamName(id) {
  if (id === null || id === undefined || id === "") return "no team";
  const found = (teams || []).find((t) => t.id === Number(id));
  return found ? found.name : `#${id}`;
}
