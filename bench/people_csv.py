#!/usr/bin/env python3
"""Writes a roster CSV (the HR system's export) for benchmarking the import.

    /usr/bin/python3 bench/people_csv.py --people 50000 --hires 5000 \
        --start 2027-01-01 --units-from config/roros/arshjul.toml > people.csv

The output is the same for the same arguments (seeded), and passes
parse_people_csv against the config it was made from: every unit has one
leader, a couple of plasstillitsvalgte (with a union) and a verneombud; the
organisation has a handful of hr and one hovedtillitsvalgt per union; some
employees report to a team leader in their unit (the manager column). The
--hires people start during the year after --start; the others started
years before, or have no start date. Names are made up.
"""

import argparse
import csv
import datetime
import random
import sys
import tomllib

COLUMNS = ["id", "name", "email", "unit", "roles", "union", "committees", "start_date", "leader_start_date", "manager"]
UNIONS = ["Fagforbundet", "Norsk Sykepleierforbund", "Utdanningsforbundet", "Fellesorganisasjonen (FO)", "Delta",
          "Akademikerne"]
FIRST = ["Anne", "Arne", "Astrid", "Bjørn", "Camilla", "Eirik", "Emma", "Erlend", "Guro", "Hanne", "Ida", "Ingrid",
         "Jon", "Jonas", "Kari", "Kjersti", "Knut", "Lars", "Liv", "Magnus", "Mari", "Marit", "Nora", "Ola", "Per",
         "Ragnhild", "Sander", "Silje", "Siri", "Solveig", "Sunniva", "Tone", "Tor", "Unni", "Åse", "Øystein"]
LAST = ["Aasen", "Bakken", "Brekken", "Dalsrud", "Feragen", "Gjelsvik", "Grytbakk", "Haltli", "Haugen", "Hessen",
        "Holm", "Jensås", "Kokkvoll", "Kvitvold", "Løvås", "Moen", "Mølmann", "Nesvold", "Nyhus", "Ryen", "Rønning",
        "Sevaldsen", "Stensli", "Stuedal", "Sundt", "Vintervold", "Ødegård"]
ASCII = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, required=True, help="rows to write")
    ap.add_argument("--hires", type=int, required=True, help="how many start during the year after --start")
    ap.add_argument("--start", type=datetime.date.fromisoformat, required=True, help="YYYY-MM-DD")
    ap.add_argument("--units-from", required=True, help="the organisation's arshjul.toml")
    ap.add_argument("--seed", type=int, default=2027)
    args = ap.parse_args()
    if not 0 <= args.hires <= args.people:
        ap.error("--hires must be between 0 and --people")
    return args


def main():
    args = parse_args()
    with open(args.units_from, "rb") as f:
        config = tomllib.load(f)
    units = [u["id"] for u in config.get("unit", [])]
    committees = {c["id"] for c in config.get("committee", [])}
    domain = config["organisation"]["id"] + ".kommune.no"
    if not units:
        sys.exit(f"{args.units_from}: no [[unit]] to place people in")
    hr_count = min(5, len(units))
    needed = len(units) * 4 + hr_count + len(UNIONS)
    if args.people < needed:
        sys.exit(f"--people must be at least {needed} to give {len(units)} units their leaders and representatives")

    rng = random.Random(args.seed)
    people = []  # dicts by column

    def add(unit, roles, union="", committee_ids=(), manager=""):
        i = len(people)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        pid = f"{first}-{last}-{i}".translate(ASCII).lower()
        people.append({"id": pid, "name": f"{first} {last}", "email": f"{pid}@{domain}", "unit": unit,
                       "roles": ";".join(roles), "union": union,
                       "committees": ";".join(c for c in committee_ids if c in committees),
                       "start_date": "", "leader_start_date": "", "manager": manager})
        return people[-1]

    # Who each unit is organised around, then the organisation-wide roles.
    for n, u in enumerate(units):
        add(u, ["leader"], committee_ids=["ledergruppe"] if n == 0 else ())
        for k in range(2):
            add(u, ["plasstillitsvalgt", "employee"], union=UNIONS[(n + k) % len(UNIONS)])
        add(u, ["verneombud", "employee"])
    for k in range(hr_count):
        add(units[k % len(units)], ["hr", "employee"], committee_ids=["amu", "ia"] if k == 0 else ())
    for k, union in enumerate(UNIONS):
        add(units[k % len(units)], ["hovedtillitsvalgt", "employee"], union=union, committee_ids=["amu"])

    # Everyone else: units of uneven size, and a team leader for some.
    weights = [rng.uniform(0.5, 3.0) for _ in units]
    team_leader = {}
    while len(people) < args.people:
        u = rng.choices(units, weights)[0]
        manager = team_leader.get(u, "") if rng.random() < 0.1 else ""
        p = add(u, ["employee"], manager=manager)
        team_leader.setdefault(u, p["id"])

    hires = set(rng.sample(range(len(people)), args.hires))
    for i, p in enumerate(people):
        leader = "leader" in p["roles"].split(";")
        if i in hires:
            p["start_date"] = (args.start + datetime.timedelta(days=rng.randrange(365))).isoformat()
            if leader:
                p["leader_start_date"] = p["start_date"]
            continue
        years = rng.randrange(1, 30 * 365)
        if rng.random() < 0.8 or leader:
            p["start_date"] = (args.start - datetime.timedelta(days=years)).isoformat()
        # Appointed after they started, within the last ten years.
        if leader:
            since = rng.randrange(1, min(years, 10 * 365) + 1)
            p["leader_start_date"] = (args.start - datetime.timedelta(days=since)).isoformat()

    out = csv.DictWriter(sys.stdout, fieldnames=COLUMNS, lineterminator="\n")
    out.writeheader()
    out.writerows(people)


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    main()
