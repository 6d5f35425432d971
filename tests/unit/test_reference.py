from ingest.standard.reference import local_authorities

REGIONS = {"North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
           "East of England", "London", "South East", "South West"}


def test_153_english_las_with_unique_codes_and_known_regions():
    las = local_authorities()
    assert len(las) == 153
    assert len({la["ons_code"] for la in las.values()}) == 153
    assert {la["region"] for la in las.values()} == REGIONS
    assert las["933"]["la_name"] == "Somerset" and las["840"]["la_name"] == "County Durham"
    assert all(code.isdigit() and len(code) == 3 for code in las)
