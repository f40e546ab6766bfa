from inclusion_map.harvest.pipeline import run_harvest
from inclusion_map.store import GeoPackageStore


def test_x(make_settings):
    s = make_settings(sources=["france_services", "conseillers_numeriques"])
    r = run_harvest(s)
    for src in r.sources:
        print(
            src.name,
            src.status,
            src.fetched,
            src.kept,
            src.rejected,
            src.outside,
            src.previous_rows,
            len(src.notes),
        )
        print({(n.field, n.problem) for n in src.notes})
        print({(n.field, n.problem) for n in src.rejections})
    st = GeoPackageStore(s.store_path)
    print(st.layers())
    fs = st.read("source_france_services")
    print(fs[["id", "commune", "horaires", "geocode_precision"]])
    v = st.read("venues")
    print(len(v), v.columns.tolist())
    print(v[["id", "sources", "source_ids"]].head(30))
    print(st.history())
