"""Writes data/soybeans/seasons.csv from the export-month shares documented in sources.csv (d_season_us, d_season_br).
Usage (in data/soybeans): python3 ../../tools/soy_seasons.py 1.5   (the transit lag in months, a_arrival_lag)"""
import sys
lag=float(sys.argv[1])
us_x=[7,5,4.5,4.5,4.5,4.5,4.5,4.5,8,16,19,18]
br_x=[2,6,14,17,16,13,10,8,6,3,2.5,2.5]
def sh1(x,k): return x[-k:]+x[:-k] if k else x
def shift(x):
    import math
    lo=math.floor(lag); w=lag-lo
    a=sh1(x,lo); b=sh1(x,lo+1)
    return [(1-w)*p+w*q for p,q in zip(a,b)]
rows=[]
for fac,x,e,src in [("us_soy_farms",shift(us_x),0.464,"d_season_us;a_arrival_lag;ifb_reuters_2017_10;good_dfp_2011;usda_psd_oilseeds"),
                    ("br_soy_farms",shift(br_x),0.618,"d_season_br;a_arrival_lag;secex_marinelink_2020_05;anec_williams_2020_06;secex_platts_2019_10;ams_brazil_2021_q1;usda_psd_oilseeds")]:
    sh=[round((1-e)/12+e*v/100,4) for v in x]
    sh[-1]=round(1-sum(sh[:-1]),4)
    for m,s in enumerate(sh,1): rows.append(f"{fac},{m},{s},{src}")
open("seasons.csv","w").write("facility,month,share,source\n"+"\n".join(rows)+"\n")
