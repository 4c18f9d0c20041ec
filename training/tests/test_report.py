from training.models_report import stage1_rows


def test_stage1_rows_show_fragments_counted_beside_the_scored_figure():
    s = {'cases': 4, 'vertebrae': 17, 'stage1Recall10mm': 1.0, 'recall10mm': 1.0,
         'fragments': {'total': 1, 'stage1Found': 0, 'found': 0}, 'stage1RecallWithFragments': 17 / 18, 'recallWithFragments': 17 / 18}
    rows = stage1_rows({'real': s, 'phantoms': {'cases': 30, 'vertebrae': 370, 'stage1Recall10mm': 0.984, 'recall10mm': 0.986}})
    assert rows[0] == '| real | 4 | 17 | **100.0 %** | 100.0 % |'
    assert rows[1].endswith('| 4 | 18 | 94.4 % | 94.4 % |') and 'fragment counted' in rows[1]
    assert rows[2] == '| phantoms | 30 | 370 | **98.4 %** | 98.6 % |'   # no fragments: one row
